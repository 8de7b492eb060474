/** Shapes the API speaks: aliases of the types generated from its OpenAPI spec where it has them. */
import type { components } from "./schema";

type Schemas = components["schemas"];

export type Token = Schemas["TokenOut"];
export type Health = Schemas["HealthOut"];
/** A user strategy file (or a class in it) the backend left out at start. */
export type StrategyFileProblemOut = Schemas["StrategyFileProblemOut"];
export type ApiErrorResponse = Schemas["ErrorOut"];
export type Account = Schemas["AccountOut"];
export type DataSource = Account["data_source"];
export type Position = Schemas["PositionOut"];
export type Order = Schemas["OrderOut"];
export type OrderStatusInfo = Schemas["OrderStatusOut"];
export type OrderForm = Schemas["OrderCreate"];
export type Side = Schemas["Side"];
export type OrderType = Schemas["OrderType"];
export type TimeInForce = Schemas["TimeInForce"];
export type Fill = Schemas["FillOut"];
export type SignalRow = Schemas["SignalOut"];
export type EquityPoint = Schemas["EquityPointOut"];
export type AuditEntry = Schemas["AuditOut"];
export type EngineState = Schemas["EngineStatusOut"];
export type KillOut = Schemas["KillOut"];
export type StrategyInstance = Schemas["StrategyInstanceOut"];
export type RiskSettings = Schemas["RiskSettings"];
export type PnlReportOut = Schemas["PnlReportOut"];
export type PnlStats = Schemas["PnlStatsOut"];
export type PnlGroupBy = PnlReportOut["group_by"];
export type ReplayOut = Schemas["ReplayOut"];
export type ReplayRow = Schemas["ReplayRowOut"];
export type ReplayOutcome = Schemas["ReplayOutcomeOut"];
export type ClosedTrade = Schemas["ClosedTradeOut"];
export type Coverage = Schemas["CoverageOut"];
export type SearchJobOut = Schemas["SearchJobOut"];
export type SearchIn = Schemas["SearchIn"];
export type Trial = Schemas["TrialOut"];
export type HistoryFetchIn = Schemas["HistoryFetchIn"];
export type HistoryFetch = Schemas["HistoryFetchOut"];
export type NotifyTarget = Schemas["NotifyTargetOut"];
export type NotifyTest = Schemas["NotifyTestOut"];

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

/** JSON schemas and backtest documents: the spec types them as free-form objects, these say what is inside. */

export interface JsonSchemaProperty {
  type?: string | string[];
  anyOf?: JsonSchemaProperty[];
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

/** Schemas["StrategyOut"] with its parameter schema typed. */
export interface StrategyOut extends Omit<Schemas["StrategyOut"], "params_schema"> {
  params_schema: JsonSchema;
}

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
  /** The bars backtested, by symbol (at most 5,000 candles each), for the candle chart. */
  bars?: Record<string, Candle[]>;
  symbols?: string[];
  /** The summary the backtest CLI prints. */
  report?: string;
}

/** Schemas["BacktestJobOut"] with its result typed. */
export interface Backtest extends Omit<Schemas["BacktestJobOut"], "result" | "spec" | "created_at"> {
  result?: BacktestResult | null;
}
