/** Every REST call the dashboard makes, in one place so the contract lives in one file. */
import { request } from "./client";
import type {
  Account,
  AuditEntry,
  Backtest,
  EngineState,
  EquityPoint,
  Health,
  KillResult,
  Order,
  OrderForm,
  Page,
  Position,
  RiskSettings,
  SignalRow,
  StrategyInfo,
  StrategyInstance,
  Token,
} from "./types";

/** Lists may come bare or wrapped as {items}; callers always get an array. */
function items<T>(value: T[] | { items: T[] }): T[] {
  return Array.isArray(value) ? value : value.items;
}

type RawStrategy = Partial<StrategyInfo> & { params?: StrategyInfo["params_schema"]; schema?: StrategyInfo["params_schema"] };

/** The registry as a list, whether it comes as a list or keyed by name, its schema as params_schema, params or schema. */
export function strategyList(raw: unknown): StrategyInfo[] {
  const page = (raw as { items?: unknown } | null)?.items;
  if (Array.isArray(page)) return strategyList(page);
  const entries: [string | undefined, RawStrategy][] = Array.isArray(raw)
    ? (raw as RawStrategy[]).map((s) => [s.name, s])
    : Object.entries((raw ?? {}) as Record<string, RawStrategy>);
  return entries.map(([key, s]) => ({
    name: s.name ?? key ?? "",
    title: s.title,
    description: s.description,
    params_schema: s.params_schema ?? s.params ?? s.schema ?? {},
  }));
}

export const api = {
  login: (username: string, password: string) =>
    request<Token>("/auth/login", { method: "POST", body: { username, password } }),
  health: () => request<Health>("/health"),

  account: () => request<Account>("/account"),
  equity: (since?: string) => request<EquityPoint[]>("/equity", { query: { since } }),

  positions: () => request<Position[]>("/positions"),
  closePosition: (symbol: string) =>
    request<Order>(`/positions/${encodeURIComponent(symbol)}/close`, { method: "POST" }),

  orders: (query: { status?: string; symbol?: string; limit?: number; offset?: number }) =>
    request<Page<Order>>("/orders", { query }),
  placeOrder: (order: OrderForm) => request<Order>("/orders", { method: "POST", body: order }),
  cancelOrder: (id: Order["id"]) => request<unknown>(`/orders/${encodeURIComponent(String(id))}`, { method: "DELETE" }),

  signals: (query: { symbol?: string; outcome?: string; limit?: number } = {}) =>
    request<Page<SignalRow>>("/signals", { query }).then(items),

  strategies: () => request<unknown>("/strategies").then(strategyList),
  instances: () =>
    request<StrategyInstance[] | { items: StrategyInstance[] }>("/strategies/instances").then(items),
  addInstance: (body: { strategy: string; symbol: string; params: Record<string, unknown>; enabled: boolean }) =>
    request<StrategyInstance>("/strategies/instances", { method: "POST", body }),
  setInstanceEnabled: (id: StrategyInstance["id"], enabled: boolean) =>
    request<StrategyInstance>(`/strategies/instances/${id}`, { method: "PATCH", body: { enabled } }),
  deleteInstance: (id: StrategyInstance["id"]) =>
    request<unknown>(`/strategies/instances/${id}`, { method: "DELETE" }),

  risk: () => request<RiskSettings>("/risk"),
  saveRisk: (settings: RiskSettings) => request<RiskSettings>("/risk", { method: "PUT", body: settings }),

  engine: () => request<EngineState>("/engine"),
  startEngine: () => request<EngineState>("/engine/start", { method: "POST" }),
  stopEngine: () => request<EngineState>("/engine/stop", { method: "POST" }),
  killEngine: (flatten: boolean) => request<KillResult>("/engine/kill", { method: "POST", body: { flatten } }),

  startBacktest: (body: Record<string, unknown> | FormData) =>
    request<Backtest>("/backtests", { method: "POST", body }),
  backtest: (id: Backtest["id"]) => request<Backtest>(`/backtests/${id}`),

  audit: (query: { limit?: number; offset?: number } = {}) => request<Page<AuditEntry>>("/audit", { query }),
};
