/** Every REST call the dashboard makes, in one place so the contract lives in one file. */
import { request } from "./client";
import type { components } from "./schema";
import type {
  Account,
  AuditEntry,
  Backtest,
  ClosedTrade,
  Coverage,
  SearchJobOut,
  SearchIn,
  EngineState,
  EquityPoint,
  Health,
  HistoryFetch,
  HistoryFetchIn,
  KillOut,
  NotifyTarget,
  NotifyTest,
  Order,
  PnlGroupBy,
  PnlReportOut,
  ReplayOut,
  OrderForm,
  OrderStatusInfo,
  Page,
  Position,
  RiskSettings,
  SignalRow,
  StrategyFileProblemOut,
  StrategyOut,
  StrategyInstance,
  Token,
} from "./types";

type Schemas = components["schemas"];

/** Lists may come bare or wrapped as {items}; callers always get an array. */
function items<T>(value: T[] | { items: T[] }): T[] {
  return Array.isArray(value) ? value : value.items;
}

export const api = {
  login: (username: string, password: string, otp?: string) =>
    request<Token>("/auth/login", { method: "POST", body: otp ? { username, password, otp } : { username, password } }),
  health: () => request<Health>("/health"),

  account: () => request<Account>("/account"),
  equity: (since?: string) => request<EquityPoint[]>("/equity", { query: { since } }),

  positions: () => request<Position[]>("/positions"),
  /** Closes all of a position, or `qty` of it. */
  closePosition: (symbol: string, qty?: number) =>
    request<Order>(`/positions/${encodeURIComponent(symbol)}/close`, { method: "POST", query: { qty } }),

  orders: (query: { status?: string; symbol?: string; limit?: number; offset?: number }) =>
    request<Page<Order>>("/orders", { query }),
  orderStatuses: () => request<OrderStatusInfo[]>("/orders/statuses"),
  placeOrder: (order: OrderForm) => request<Order>("/orders", { method: "POST", body: order }),
  cancelOrder: (id: Order["id"]) => request<unknown>(`/orders/${encodeURIComponent(String(id))}`, { method: "DELETE" }),

  signals: (query: { symbol?: string; outcome?: string; limit?: number; offset?: number } = {}) =>
    request<Page<SignalRow>>("/signals", { query }),

  strategies: () => request<StrategyOut[]>("/strategies"),
  strategyProblems: () => request<StrategyFileProblemOut[]>("/strategies/problems"),
  instances: () =>
    request<StrategyInstance[] | { items: StrategyInstance[] }>("/strategies/instances").then(items),
  addInstance: (body: Schemas["StrategyInstanceCreate"]) =>
    request<StrategyInstance>("/strategies/instances", { method: "POST", body }),
  setInstanceEnabled: (id: StrategyInstance["id"], enabled: boolean) =>
    request<StrategyInstance>(`/strategies/instances/${id}`, { method: "PATCH", body: { enabled } }),
  deleteInstance: (id: StrategyInstance["id"]) =>
    request<unknown>(`/strategies/instances/${id}`, { method: "DELETE" }),
  /** One live day of an instance replayed through the backtester, signal by signal. */
  replayDay: (id: StrategyInstance["id"], day: string) =>
    request<ReplayOut>(`/strategies/instances/${id}/replay`, { query: { day } }),

  risk: () => request<RiskSettings>("/risk"),
  saveRisk: (settings: RiskSettings) => request<RiskSettings>("/risk", { method: "PUT", body: settings }),

  notifyTargets: () => request<NotifyTarget[]>("/notifications"),
  testNotifyTarget: (index: number) => request<NotifyTest>(`/notifications/${index}/test`, { method: "POST" }),

  engine: () => request<EngineState>("/engine"),
  startEngine: () => request<EngineState>("/engine/start", { method: "POST" }),
  stopEngine: () => request<EngineState>("/engine/stop", { method: "POST" }),
  killEngine: (flatten: boolean) => request<KillOut>("/engine/kill", { method: "POST", body: { confirm: "kill", flatten } }),

  startBacktest: (body: Record<string, unknown> | FormData) =>
    request<Backtest>("/backtests", { method: "POST", body }),
  backtest: (id: Backtest["id"]) => request<Backtest>(`/backtests/${id}`),

  coverage: () => request<Coverage[]>("/history/coverage"),
  fetchHistory: (body: HistoryFetchIn) => request<HistoryFetch>("/history/fetch", { method: "POST", body }),

  startSearch: (body: SearchIn) => request<SearchJobOut>("/research/searches", { method: "POST", body }),
  search: (id: string) => request<SearchJobOut>(`/research/searches/${id}`),
  cancelSearch: (id: string) => request<SearchJobOut>(`/research/searches/${id}/cancel`, { method: "POST" }),

  pnl: (query: { group_by: PnlGroupBy; since?: string; until?: string }) => request<PnlReportOut>("/analytics/pnl", { query }),
  closedTrades: (query: { since?: string; until?: string } = {}) => request<ClosedTrade[]>("/analytics/trades", { query }),

  audit: (query: { actor?: string; action?: string; entity?: string; limit?: number; offset?: number } = {}) => request<Page<AuditEntry>>("/audit", { query }),
};
