/** Backtests: pick a strategy, a symbol or a CSV of bars, parameters; run; read metrics and charts. */
import { useEffect, useMemo, useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Backtest, BacktestResult, StrategyInfo } from "../api/types";
import { LazyChart } from "../charts/LazyChart";
import { candleSeries, equitySeries, tradeMarkers } from "../charts/series";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { coerce, defaults, SchemaForm, validate, type Values } from "../components/SchemaForm";
import { fmtMoney, fmtQty, fmtSignedMoney, fmtTime, trend } from "../format";
import { humanize, splitFieldErrors } from "../forms";
import { asApiError, useResource } from "../hooks/useResource";

const POLL_MS = 1000;
const FINISHED = new Set(["done", "completed", "succeeded", "success", "failed", "error"]);

export const isFinished = (b: Backtest) => FINISHED.has(b.status);

/** The request: JSON for a symbol, multipart for an uploaded CSV (params travel as a JSON string). */
export function backtestBody(input: {
  strategy: string;
  params: Values;
  cash: number;
  symbol: string;
  file: File | null;
}): Record<string, unknown> | FormData {
  if (!input.file) return { strategy: input.strategy, params: input.params, symbol: input.symbol.toUpperCase(), cash: input.cash };
  const form = new FormData();
  form.set("strategy", input.strategy);
  form.set("params", JSON.stringify(input.params));
  form.set("cash", String(input.cash));
  if (input.symbol) form.set("symbol", input.symbol.toUpperCase());
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

function Results({ result }: { result: BacktestResult }) {
  const line = useMemo(() => equitySeries(result.equity_curve), [result]);
  const candles = useMemo(() => candleSeries(result.bars ?? []), [result]);
  const markers = useMemo(() => tradeMarkers(result.trades), [result]);
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
      {candles.length > 0 && (
        <section className="card" aria-labelledby="bt-candles">
          <h2 id="bt-candles">Price and trades</h2>
          <LazyChart candles={candles} markers={markers} label="Price candles with trade markers" height={320} />
        </section>
      )}
      <section className="card" aria-labelledby="bt-trades">
        <h2 id="bt-trades">Trades ({result.trades.length})</h2>
        <div className="table-wrap">
          <table aria-label="Backtest trades">
            <thead>
              <tr>
                <th>Symbol</th>
                <th>Side</th>
                <th className="num">Size</th>
                <th>Entry</th>
                <th className="num">Entry price</th>
                <th>Exit</th>
                <th className="num">Exit price</th>
                <th>Exit reason</th>
                <th className="num">P&L</th>
              </tr>
            </thead>
            <tbody>
              {result.trades.map((t, i) => (
                <tr key={`${t.entry_time}-${i}`}>
                  <td>{t.symbol}</td>
                  <td>
                    <span className={`pill side-${t.side === "long" ? "buy" : "sell"}`}>{t.side}</span>
                  </td>
                  <td className="num">{fmtQty(t.size)}</td>
                  <td>{fmtTime(t.entry_time)}</td>
                  <td className="num">{fmtMoney(t.entry_price)}</td>
                  <td>{fmtTime(t.exit_time)}</td>
                  <td className="num">{fmtMoney(t.exit_price)}</td>
                  <td className="muted">{t.exit_reason ?? ""}</td>
                  <td className={`num ${trend(t.pnl)}`}>{fmtSignedMoney(t.pnl)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

function BacktestForm({ strategies, onStarted }: { strategies: StrategyInfo[]; onStarted: (b: Backtest) => void }) {
  const [name, setName] = useState(strategies[0]?.name ?? "");
  const strategy = strategies.find((s) => s.name === name);
  const [params, setParams] = useState<Values>(() => (strategy ? defaults(strategy.params_schema) : {}));
  const [source, setSource] = useState<"symbol" | "csv">("symbol");
  const [symbol, setSymbol] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [cash, setCash] = useState("100000");
  const [errors, setErrors] = useState<{ form: Record<string, string>; params: Record<string, string> }>({ form: {}, params: {} });
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
    if (source === "symbol" && !symbol.trim()) form.symbol = "Enter a symbol, or upload a CSV of bars";
    if (source === "csv" && !file) form.file = "Choose a CSV file of bars";
    if (!(Number(cash) > 0)) form.cash = "Starting cash must be above 0";
    const paramErrors = validate(strategy.params_schema, params);
    setErrors({ form, params: paramErrors });
    if (Object.keys(form).length || Object.keys(paramErrors).length) return;
    setBusy(true);
    try {
      const body = backtestBody({
        strategy: strategy.name,
        params: coerce(strategy.params_schema, params),
        cash: Number(cash),
        symbol: source === "symbol" ? symbol.trim() : "",
        file: source === "csv" ? file : null,
      });
      onStarted(await api.startBacktest(body));
    } catch (err) {
      const apiError = asApiError(err);
      const split = splitFieldErrors(apiError.fieldErrors());
      setErrors(split);
      if (!Object.keys(split.form).length && !Object.keys(split.params).length) setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="bt-form">
      <h2 id="bt-form">New backtest</h2>
      <div className="form-grid">
        <Field id="bt-strategy" label="Strategy" error={errors.form.strategy}>
          {(aria) => (
            <select {...aria} value={name} onChange={(e) => choose(e.target.value)}>
              {strategies.map((s) => (
                <option key={s.name} value={s.name}>
                  {s.title ?? s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field id="bt-source" label="Bars from">
          {(aria) => (
            <select {...aria} value={source} onChange={(e) => setSource(e.target.value as "symbol" | "csv")}>
              <option value="symbol">Market data for a symbol</option>
              <option value="csv">Uploaded CSV file</option>
            </select>
          )}
        </Field>
        {source === "symbol" ? (
          <Field id="bt-symbol" label="Symbol" error={errors.form.symbol}>
            {(aria) => <input {...aria} value={symbol} onChange={(e) => setSymbol(e.target.value)} placeholder="AAPL" autoComplete="off" />}
          </Field>
        ) : (
          <Field id="bt-file" label="CSV file" error={errors.form.file} hint="Header: timestamp (or date), open, high, low, close, volume; oldest first">
            {(aria) => <input {...aria} type="file" accept=".csv,text/csv" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />}
          </Field>
        )}
        <Field id="bt-cash" label="Starting cash" error={errors.form.cash}>
          {(aria) => <input {...aria} inputMode="decimal" value={cash} onChange={(e) => setCash(e.target.value)} />}
        </Field>
      </div>
      {strategy && (
        <fieldset className="params">
          <legend>Parameters</legend>
          <SchemaForm idPrefix="bt-param" schema={strategy.params_schema} values={params} errors={errors.params} onChange={setParams} />
        </fieldset>
      )}
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
  const strategies = useResource(() => api.strategies());
  const [run, setRun] = useState<Backtest | null>(null);
  const [pollError, setPollError] = useState<ApiError | null>(null);
  const [pollTick, setPollTick] = useState(0);

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
      <ErrorMessage error={strategies.error} onRetry={strategies.reload} />
      {!strategies.data && strategies.loading && <Loading />}
      {strategies.data && strategies.data.length > 0 && (
        <BacktestForm
          strategies={strategies.data}
          onStarted={(b) => {
            setPollError(null);
            setRun(b);
          }}
        />
      )}
      {run && (
        <div aria-live="polite">
          <p>
            Backtest #{run.id}:{" "}
            <span className={`pill status-${run.status}`} data-testid="backtest-status">
              {run.status}
            </span>
          </p>
          <ErrorMessage error={pollError} onRetry={() => setPollTick((t) => t + 1)} />
          {run.error && <div className="error" role="alert">{run.error}</div>}
          {run.result && <Results result={run.result} />}
        </div>
      )}
    </div>
  );
}
