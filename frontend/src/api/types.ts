/** Shapes the API speaks: aliases of the types generated from its OpenAPI spec where it has them. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Token = Schemas["TokenResponse"];
export type Health = Schemas["HealthResponse"];
export type ApiErrorResponse = Schemas["ErrorResponse"];
export type Account = Schemas["AccountOut"];
export type DataSource = Account["data_source"];
export type Position = Schemas["PositionOut"];
export type Order = Schemas["OrderOut"];
export type OrderForm = Schemas["OrderCreate"];
export type Side = Schemas["Side"];
export type OrderType = Schemas["OrderType"];
export type TimeInForce = Schemas["TimeInForce"];
export type Fill = Schemas["FillOut"];
export type SignalRow = Schemas["SignalOut"];
export type EquityPoint = Schemas["EquityPointOut"];
export type AuditEntry = Schemas["AuditOut"];
export type EngineState = Schemas["EngineStatusOut"];
export type KillResult = Schemas["KillResult"];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** Planned routes not in the OpenAPI spec yet: written by hand until they land. */

export interface JsonSchemaProperty {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  enum?: unknown[];
}

export interface JsonSchema {
  type?: string;
  title?: string;
  properties?: Record<string, JsonSchemaProperty>;
  required?: string[];
}

export interface StrategyInfo {
  name: string;
  title?: string;
  description?: string;
  params_schema: JsonSchema;
}

export interface StrategyInstance {
  id: number;
  name?: string;
  strategy: string;
  symbol: string;
  params: Record<string, unknown>;
  enabled: boolean;
  created_at?: string;
}

export type RiskSettings = Record<string, number | boolean | string | null>;

/** One round trip of a backtest, as app/backtest/trades.py writes it. */
export interface BacktestTrade {
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_time: string;
  entry_price: number;
  exit_time: string | null;
  exit_price: number | null;
  exit_reason?: string | null;
  commission?: number;
  pnl: number;
}

export interface Candle {
  time: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume?: number;
}

export interface BacktestResult {
  metrics: Record<string, number | string | null>;
  trades: BacktestTrade[];
  equity_curve: { time: string; equity: number }[];
  /** Bars of the backtested symbol, for the candle chart with trade markers. */
  bars?: Candle[];
  symbols?: string[];
}

export interface Backtest {
  id: number | string;
  status: string;
  error?: string | null;
  result?: BacktestResult | null;
}
