/** Backtests: pick a strategy, a symbol or a CSV of bars, parameters; run; read metrics and charts. */
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { download } from "../api/client";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import { componentSchema } from "../api/schemas";
import type { Backtest, BacktestResult, BacktestTrade, JsonSchema, StrategyOut } from "../api/types";
import { LazyChart } from "../charts/LazyChart";
import { candleSeries, equitySeries, tradeMarkers } from "../charts/series";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { BarSizeField, HistoryPanel, symbolList, type Picked } from "../components/HistoryPanel";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { StrategySelect } from "../components/StrategySelect";
import { coerce, defaults, SchemaForm, validate, type Values } from "../components/SchemaForm";
import { fmtMoney, fmtQty, fmtSignedMoney, fmtTime, trend } from "../format";
import { fieldsUnder, humanize } from "../forms";
import { usePaging, type Paging } from "../hooks/usePaging";
import { asApiError, useResource } from "../hooks/useResource";

const POLL_MS = 1000;
const TRADES_PAGE = 50;
const FINISHED = new Set(["done", "failed"]);
/** The risk chain inside a backtest config keeps its permissive default here; the Risk page edits the live one. */
const CONFIG_EXCLUDED = ["risk"];

export const isFinished = (b: Backtest) => FINISHED.has(b.status);

export interface BacktestInput {
  strategy: string;
  params: Values;
  config: Values;
  symbol: string;
  bars: number;
  timeframe: string;
  file: File | null;
  /** Cached history instead of the simulated market: symbols and days [start, end). */
  history?: { symbols: string; start: string; end: string; adjustment?: string };
}

/** JSON runs on the simulated market or cached history; a CSV goes as multipart with params and config as JSON text. */
export function backtestBody(input: BacktestInput): Record<string, unknown> | FormData {
  const symbol = input.symbol.trim().toUpperCase();
  if (!input.file && input.history) {
    const { symbols, start, end, adjustment = "all" } = input.history;
    return {
      strategy: input.strategy,
      params: input.params,
      config: input.config,
      data: { source: "history", symbols: symbolList(symbols), start, end, timeframe: input.timeframe, adjustment },
    };
  }
  if (!input.file) {
    return {
      strategy: input.strategy,
      params: input.params,
      config: input.config,
      data: { source: "simulated", symbol, bars: input.bars, timeframe: input.timeframe },
    };
  }
  const form = new FormData();
  form.set("strategy", input.strategy);
  form.set("params", JSON.stringify(input.params));
  form.set("config", JSON.stringify(input.config));
  if (symbol) form.set("symbol", symbol);
  form.set("file", input.file);
  return form;
}

const PERCENT = new Set(["total_return", "cagr", "volatility", "max_drawdown", "win_rate", "exposure_time"]);
const MONEY = new Set(["initial_cash", "final_equity"]);

/** Fractions as percentages, cash as dollars, ratios to two places, everything else as given. */
export function metricText(key: string, value: number | string | null): string {
  if (value === null) return "—";
  if (typeof value === "string") return value.replace("T", " ");
  if (PERCENT.has(key)) return `${(value * 100).toFixed(2)}%`;
  if (MONEY.has(key)) return fmtMoney(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

const TRADE_COLUMNS: Column<BacktestTrade>[] = [
  { key: "symbol", header: "Symbol", cell: (t) => t.symbol },
  { key: "side", header: "Side", cell: (t) => <span className={`pill side-${t.side === "long" ? "buy" : "sell"}`}>{t.side}</span> },
  { key: "size", header: "Size", align: "num", cell: (t) => fmtQty(t.size) },
  { key: "entry", header: "Entry", cell: (t) => fmtTime(t.entry_time) },
  { key: "entry_price", header: "Entry price", align: "num", cell: (t) => fmtMoney(t.entry_price) },
  { key: "exit", header: "Exit", cell: (t) => fmtTime(t.exit_time) },
  { key: "exit_price", header: "Exit price", align: "num", cell: (t) => fmtMoney(t.exit_price) },
  { key: "exit_reason", header: "Exit reason", className: "muted", cell: (t) => t.exit_reason ?? "" },
  { key: "pnl", header: "P&L", align: "num", className: (t) => trend(t.pnl), cell: (t) => fmtSignedMoney(t.pnl) },
];

function Results({ id, result, trades }: { id: string; result: BacktestResult; trades: Paging<never> }) {
  const [exportError, setExportError] = useState<ApiError | null>(null);
  const line = useMemo(() => equitySeries(result.equity_curve), [result]);
  /** The API sends the bars it backtested, simulated or uploaded; a run has one symbol. */
  const [symbol, bars] = Object.entries(result.bars ?? {})[0] ?? ["", []];
  const candles = useMemo(() => candleSeries(bars), [bars]);
  const markers = useMemo(() => tradeMarkers(result.trades.filter((t) => t.symbol === symbol)), [result, symbol]);
  return (
    <>
      <section className="stats" aria-label="Backtest metrics" data-testid="backtest-metrics">
        {Object.entries(result.metrics).map(([key, value]) => (
          <div className="stat" key={key}>
            <div className="stat-label">{humanize(key)}</div>
            <div className={`stat-value small ${key === "total_return" ? trend(Number(value)) : ""}`}>{metricText(key, value)}</div>
          </div>
        ))}
      </section>
      <section className="card" aria-labelledby="bt-equity">
        <h2 id="bt-equity">Equity curve</h2>
        {line.length ? <LazyChart line={line} label="Backtest equity" height={220} /> : <p className="muted">No equity points.</p>}
      </section>
      <section className="card" aria-labelledby="bt-candles">
        <h2 id="bt-candles">Price and trades</h2>
        <LazyChart candles={candles} markers={markers} label="Price candles with trade markers" height={320} />
      </section>
      <section className="card" aria-labelledby="bt-trades">
        <h2 id="bt-trades">Trades ({result.trades.length})</h2>
        <div className="form-actions">
          <button type="button" className="btn" onClick={() => download(`/exports/backtests/${id}/trades.csv`, `backtest-${id.slice(0, 8)}-trades.csv`).catch((err: unknown) => setExportError(asApiError(err)))}>
            Trades CSV
          </button>
        </div>
        <ErrorMessage error={exportError} />
        <DataTable label="Backtest trades" columns={TRADE_COLUMNS} rows={trades.slice(result.trades)} rowKey={(t, i) => `${t.entry_time}-${i}`} empty="No trades." />
        <Pager paging={trades} total={result.trades.length} shown={trades.slice(result.trades).length} label="trades" />
      </section>
      {result.report && (
        <details className="card">
          <summary>Report as the backtest CLI prints it</summary>
          <pre className="report">{result.report}</pre>
        </details>
      )}
    </>
  );
}

const TIMEFRAMES = ["1Min", "5Min", "15Min", "1Hour", "1Day"];
const NO_ERRORS = { form: {}, params: {}, config: {} };

type Source = "simulated" | "history" | "csv";

function BacktestForm({ strategies, config: configSchema, picked, onStarted }: { strategies: StrategyOut[]; config: JsonSchema; picked: Picked | null; onStarted: (job: Backtest) => void }) {
  const [name, setName] = useState(strategies[0]?.name ?? "");
  const strategy = strategies.find((s) => s.name === name);
  const [params, setParams] = useState<Values>(() => (strategy ? defaults(strategy.params_schema) : {}));
  const [config, setConfig] = useState<Values>(() => defaults(configSchema, CONFIG_EXCLUDED));
  const [source, setSource] = useState<Source>(picked ? "history" : "simulated");
  const [range, setRange] = useState({ symbols: picked?.symbols ?? "", start: picked?.start ?? "", end: picked?.end ?? "", adjustment: picked?.adjustment ?? "all" });
  const [symbol, setSymbol] = useState("SIMA");
  const [bars, setBars] = useState("2000");
  const [timeframe, setTimeframe] = useState(picked?.timeframe ?? "1Min");
  const [file, setFile] = useState<File | null>(null);
  const [errors, setErrors] = useState<{ form: Record<string, string>; params: Record<string, string>; config: Record<string, string> }>(NO_ERRORS);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  function choose(next: string) {
    setName(next);
    const chosen = strategies.find((s) => s.name === next);
    setParams(chosen ? defaults(chosen.params_schema) : {});
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!strategy) return;
    setError(null);
    const form: Record<string, string> = {};
    if (source === "simulated" && !symbol.trim()) form.symbol = "Enter a symbol of the simulated market, e.g. SIMA";
    if (source === "simulated" && !(Number.isInteger(Number(bars)) && Number(bars) >= 50)) form.bars = "At least 50 bars";
    if (source === "csv" && !file) form.file = "Choose a CSV file of bars";
    if (source === "history" && !symbolList(range.symbols).length) form.symbols = "Enter symbols held in the history cache";
    const next = { form, params: validate(strategy.params_schema, params), config: validate(configSchema, config, CONFIG_EXCLUDED) };
    setErrors(next);
    if (Object.values(next).some((group) => Object.keys(group).length)) return;
    setBusy(true);
    try {
      const body = backtestBody({
        strategy: strategy.name,
        params: coerce(strategy.params_schema, params),
        config: coerce(configSchema, config, CONFIG_EXCLUDED),
        symbol,
        bars: Number(bars),
        timeframe,
        file: source === "csv" ? file : null,
        history: source === "history" ? range : undefined,
      });
      onStarted(await api.startBacktest(body));
    } catch (err) {
      const apiError = asApiError(err);
      const fields = apiError.fieldErrors();
      const data = fieldsUnder(fields, "data");
      const grouped = {
        form: { ...fields, ...data },
        params: fieldsUnder(fields, "params"),
        config: fieldsUnder(fields, "config"),
      };
      setErrors(grouped);
      const placed = ["strategy", "symbol", "symbols", "start", "end", "bars", "file"].some((f) => f in grouped.form);
      if (!placed && !Object.keys(grouped.params).length && !Object.keys(grouped.config).length) setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="bt-form">
      <h2 id="bt-form">New backtest</h2>
      <div className="form-grid">
        <StrategySelect id="bt-strategy" strategies={strategies} value={name} error={errors.form.strategy} onChange={choose} />
        <Field id="bt-source" label="Bars from">
          {(aria) => (
            <select {...aria} value={source} onChange={(e) => setSource(e.target.value as Source)}>
              <option value="simulated">Simulated market</option>
              <option value="history">Cached history</option>
              <option value="csv">Uploaded CSV file</option>
            </select>
          )}
        </Field>
        {source === "history" ? (
          <>
            <Field id="bt-symbols" label="Symbols" error={errors.form.symbols} hint="Comma-separated, from the history cache">
              {(aria) => <input {...aria} value={range.symbols} onChange={(e) => setRange({ ...range, symbols: e.target.value })} autoComplete="off" />}
            </Field>
            <Field id="bt-start" label="From" error={errors.form.start}>
              {(aria) => <input {...aria} type="date" value={range.start} onChange={(e) => setRange({ ...range, start: e.target.value })} />}
            </Field>
            <Field id="bt-end" label="Until" error={errors.form.end}>
              {(aria) => <input {...aria} type="date" value={range.end} onChange={(e) => setRange({ ...range, end: e.target.value })} />}
            </Field>
            <BarSizeField id="bt-history-timeframe" value={timeframe} error={errors.form.timeframe} onChange={setTimeframe} />
          </>
        ) : (
          <Field id="bt-symbol" label={source === "csv" ? "Symbol label" : "Symbol"} error={errors.form.symbol}>
            {(aria) => <input {...aria} value={symbol} onChange={(e) => setSymbol(e.target.value)} autoComplete="off" />}
          </Field>
        )}
        {source === "history" ? null : source === "simulated" ? (
          <>
            <Field id="bt-bars" label="Bars" error={errors.form.bars}>
              {(aria) => <input {...aria} type="number" min={50} max={50000} value={bars} onChange={(e) => setBars(e.target.value)} />}
            </Field>
            <Field id="bt-timeframe" label="Timeframe" error={errors.form.timeframe}>
              {(aria) => (
                <select {...aria} value={timeframe} onChange={(e) => setTimeframe(e.target.value)}>
                  {TIMEFRAMES.map((t) => (
                    <option key={t}>{t}</option>
                  ))}
                </select>
              )}
            </Field>
          </>
        ) : (
          <Field id="bt-file" label="CSV file" error={errors.form.file} hint="Header: timestamp (or date), open, high, low, close, volume; oldest first">
            {(aria) => <input {...aria} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
          </Field>
        )}
      </div>
      {strategy && (
        <fieldset className="params">
          <legend>Strategy parameters</legend>
          <SchemaForm idPrefix="bt-param" schema={strategy.params_schema} values={params} errors={errors.params} onChange={setParams} />
        </fieldset>
      )}
      <fieldset className="params">
        <legend>Fills, costs and cash</legend>
        <SchemaForm idPrefix="bt-config" schema={configSchema} values={config} errors={errors.config} onChange={setConfig} exclude={CONFIG_EXCLUDED} />
      </fieldset>
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || !strategy}>
          {busy ? "Starting…" : "Run backtest"}
        </button>
      </div>
    </form>
  );
}

export default function BacktestsPage() {
  const setup = useResource(() => Promise.all([api.strategies(), componentSchema("BacktestConfig")]));
  const coverage = useResource(() => api.coverage());
  const [picked, setPicked] = useState<Picked | null>(null);
  const [strategies, configSchema] = setup.data ?? [];
  const [run, setRun] = useState<Backtest | null>(null);
  const [pollError, setPollError] = useState<ApiError | null>(null);
  const [pollTick, setPollTick] = useState(0);
  const trades = usePaging({ pageSize: TRADES_PAGE });

  useEffect(() => {
    if (!run || isFinished(run)) return;
    const timer = window.setTimeout(() => {
      api.backtest(run.id).then(
        (next) => {
          setPollError(null);
          setRun(next);
        },
        (err: unknown) => setPollError(asApiError(err)),
      );
    }, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [run, pollTick]);

  return (
    <div className="page">
      <h1>Backtests</h1>
      <ErrorMessage error={setup.error} onRetry={setup.reload} />
      {!setup.data && setup.loading && <Loading />}
      {strategies && configSchema && strategies.length > 0 && (
        <BacktestForm
          key={picked ? JSON.stringify(picked) : "default"}
          strategies={strategies}
          config={configSchema}
          picked={picked}
          onStarted={(job) => {
            if (trades.offset) trades.goTo(0);
            setPollError(null);
            setRun(job);
          }}
        />
      )}
      <HistoryPanel coverage={coverage.data ?? []} onFetched={coverage.reload} onPick={setPicked} />
      {run && (
        <div aria-live="polite">
          <p>
            Backtest {run.id.slice(0, 8)}:{" "}
            <span className={`pill status-${run.status}`} data-testid="backtest-status">
              {run.status}
            </span>
          </p>
          <ErrorMessage error={pollError} onRetry={() => setPollTick((t) => t + 1)} />
          {run.error && (
            <div className="error" role="alert">
              {run.error}
            </div>
          )}
          {run.result && <Results id={run.id} result={run.result} trades={trades} />}
        </div>
      )}
    </div>
  );
}
