/** Shapes of the API's responses; aliases of the generated OpenAPI types where they exist. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type DataSource = "simulated" | "alpaca_paper" | "alpaca_live";
export type Side = "buy" | "sell";
export type OrderType = "market" | "limit" | "stop" | "stop_limit";
export type TimeInForce = "day" | "gtc";

export type Token = Schemas["TokenResponse"];
export type Health = Schemas["HealthResponse"];
export type ApiErrorResponse = Schemas["ErrorResponse"];

export interface Account {
  cash: number;
  equity: number;
  buying_power: number;
  last_equity: number;
  market_open: boolean;
  data_source: DataSource;
  currency?: string;
}

export interface Position {
  symbol: string;
  qty: number;
  avg_entry_price: number;
  market_price: number;
  market_value?: number;
  unrealized_pl?: number;
}

export interface Order {
  id: string;
  client_order_id?: string;
  symbol: string;
  side: Side;
  qty: number;
  type: OrderType;
  status: string;
  filled_qty: number;
  filled_avg_price: number | null;
  limit_price: number | null;
  stop_price: number | null;
  time_in_force?: TimeInForce;
  submitted_at: string | null;
  updated_at?: string | null;
  reject_reason?: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface OrderForm {
  symbol: string;
  side: Side;
  qty: number;
  type: OrderType;
  limit_price?: number | null;
  stop_price?: number | null;
  time_in_force: TimeInForce;
}

export interface SignalRow {
  id?: string | number;
  symbol: string;
  time: string;
  side: Side;
  strength: number;
  reason: string;
  strategy: string;
  values?: Record<string, number>;
}

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
  id: string | number;
  strategy: string;
  symbol: string;
  params: Record<string, unknown>;
  enabled: boolean;
  created_at?: string;
}

export type RiskSettings = Record<string, number | boolean | string | null>;

export interface EngineState {
  state: string;
  running?: boolean;
  killed?: boolean;
  started_at?: string | null;
  message?: string | null;
  [key: string]: unknown;
}

export interface EquityPoint {
  time: string;
  equity: number;
}

export interface BacktestTrade {
  symbol?: string;
  side: Side;
  qty: number;
  price: number;
  time: string;
  pnl?: number | null;
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
  equity_curve: EquityPoint[];
  bars?: Candle[];
}

export interface Backtest {
  id: string | number;
  status: string;
  error?: string | null;
  result?: BacktestResult | null;
}

export interface AuditEntry {
  id: string | number;
  time: string;
  actor?: string | null;
  action: string;
  details?: unknown;
}
