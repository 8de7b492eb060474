/** Complete API objects for tests, so fixtures keep up with the generated types. */
import type { Account, AuditEntry, EngineState, Order, Position, SignalRow, StrategyInstance } from "../api/types";

export const anAccount = (over: Partial<Account> = {}): Account => ({
  cash: 50_000,
  equity: 101_000,
  buying_power: 100_000,
  last_equity: 100_000,
  currency: "USD",
  trading_blocked: false,
  market_open: true,
  data_source: "simulated",
  ...over,
});

export const anOrder = (over: Partial<Order> = {}): Order => ({
  id: 7,
  client_order_id: "manual-7",
  broker_order_id: "b-7",
  strategy_instance_id: null,
  signal_id: null,
  source: "manual",
  symbol: "AAPL",
  side: "buy",
  type: "limit",
  time_in_force: "day",
  qty: 10,
  limit_price: 150,
  stop_price: null,
  take_profit: null,
  stop_loss: null,
  status: "accepted",
  is_open: true,
  filled_qty: 0,
  filled_avg_price: null,
  reject_reason: null,
  submitted_at: "2026-11-27T14:00:00Z",
  created_at: "2026-11-27T14:00:00Z",
  updated_at: "2026-11-27T14:00:00Z",
  ...over,
});

export const aPosition = (over: Partial<Position> = {}): Position => ({
  symbol: "AAPL",
  qty: 10,
  avg_entry_price: 100,
  market_price: 110,
  market_value: 1100,
  unrealized_pl: 100,
  ...over,
});

export const aSignal = (over: Partial<SignalRow> = {}): SignalRow => ({
  id: 1,
  strategy_instance_id: 1,
  strategy: "sma_crossover",
  symbol: "AAPL",
  bar_time: "2026-11-27T14:00:00Z",
  side: "buy",
  strength: 0.7,
  reason: "fast SMA 10 crossed above slow SMA 20",
  values: {},
  outcome: "pending",
  rejection_reason: null,
  created_at: "2026-11-27T14:00:01Z",
  ...over,
});

export const anEngine = (over: Partial<EngineState> = {}): EngineState => ({
  desired: "stopped",
  state: "stopped",
  leader: null,
  this_process_leads: false,
  broker: "sim",
  market_data: "simulated",
  data_source: "simulated",
  live_trading: false,
  run: null,
  last_error: null,
  ...over,
});

export const anAuditEntry = (over: Partial<AuditEntry> = {}): AuditEntry => ({
  id: 1,
  at: "2026-11-27T14:00:00Z",
  actor: "admin",
  action: "engine.kill",
  entity: "engine",
  entity_id: null,
  before: null,
  after: null,
  message: null,
  ...over,
});

export const anInstance = (over: Partial<StrategyInstance> = {}): StrategyInstance => ({
  id: 1,
  name: "sma_crossover",
  strategy: "sma_crossover",
  symbol: "SIMA",
  params: { fast: 10, slow: 30 },
  enabled: true,
  allow_short: false,
  created_at: "2026-11-27T14:00:00Z",
  updated_at: "2026-11-27T14:00:00Z",
  ...over,
});
