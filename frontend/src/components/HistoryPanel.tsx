/** The history cache on the Backtests screen: fill it for symbols and days, see what it holds, pick a range. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Coverage, HistoryFetch } from "../api/types";
import { asApiError } from "../hooks/useResource";
import { ErrorMessage } from "./ErrorMessage";
import { Field } from "./Field";

const HISTORY_TIMEFRAMES = ["1Day", "1Hour", "15Min", "5Min", "1Min"];

/** YYYY-MM-DD of a date `years` before today (UTC). */
export function daysAgo(years: number, from = new Date()): string {
  const day = new Date(Date.UTC(from.getUTCFullYear() - years, from.getUTCMonth(), from.getUTCDate()));
  return day.toISOString().slice(0, 10);
}

export const symbolList = (text: string) => text.split(/[\s,]+/).map((s) => s.trim().toUpperCase()).filter(Boolean);

/** The timeframes Alpaca serves that the dashboard offers, as a labelled select. */
export function BarSizeField({ id, value, error, onChange }: { id: string; value: string; error?: string; onChange: (value: string) => void }) {
  return (
    <Field id={id} label="Bar size" error={error}>
      {(aria) => (
        <select {...aria} value={value} onChange={(e) => onChange(e.target.value)}>
          {HISTORY_TIMEFRAMES.map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      )}
    </Field>
  );
}

export interface Picked {
  symbols: string;
  start: string;
  end: string;
  timeframe: string;
}

export function HistoryPanel({ coverage, onFetched, onPick }: { coverage: Coverage[]; onFetched: () => void; onPick: (range: Picked) => void }) {
  const [symbols, setSymbols] = useState("SIMA");
  const [start, setStart] = useState(daysAgo(1));
  const [end, setEnd] = useState(daysAgo(0));
  const [timeframe, setTimeframe] = useState("1Day");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<HistoryFetch | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const list = symbolList(symbols);
    if (!list.length) return setErrors({ symbols: "Enter one or more symbols, e.g. AAPL,MSFT" });
    setErrors({});
    setBusy(true);
    try {
      setDone(await api.fetchHistory({ symbols: list, start, end, timeframe, adjustment: "all" }));
      onFetched();
    } catch (err) {
      const apiError = asApiError(err);
      const fields = apiError.fieldErrors();
      setErrors(fields);
      if (!["symbols", "start", "end", "timeframe"].some((f) => f in fields)) setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <form onSubmit={submit} noValidate aria-label="Fetch history">
        <div className="form-grid">
          <Field id="history-symbols" label="Symbols" error={errors.symbols} hint="Comma-separated">
            {(aria) => <input {...aria} value={symbols} onChange={(e) => setSymbols(e.target.value)} autoComplete="off" />}
          </Field>
          <Field id="history-start" label="From" error={errors.start}>
            {(aria) => <input {...aria} type="date" value={start} onChange={(e) => setStart(e.target.value)} />}
          </Field>
          <Field id="history-end" label="Until" error={errors.end} hint="The day after the last">
            {(aria) => <input {...aria} type="date" value={end} onChange={(e) => setEnd(e.target.value)} />}
          </Field>
          <BarSizeField id="history-timeframe" value={timeframe} error={errors.timeframe} onChange={setTimeframe} />
        </div>
        <ErrorMessage error={error} />
        {done && (
          <p role="status" data-testid="history-fetched">
            {done.requested ? `Stored ${done.stored} bars from ${done.source} (${done.requested} request${done.requested > 1 ? "s" : ""}).` : "Already cached: no request made."}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? "Fetching…" : "Fetch history"}
          </button>
        </div>
      </form>
      {coverage.length > 0 && (
        <div className="table-wrap">
          <table aria-label="History coverage">
            <thead>
              <tr>
                <th>Symbol</th>
                <th>Bar size</th>
                <th>Adjustment</th>
                <th className="num">Bars</th>
                <th>Covered</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {coverage.map((c) => {
                const [first, last] = [c.ranges[0]?.[0] ?? "", c.ranges.at(-1)?.[1] ?? ""];
                return (
                  <tr key={`${c.symbol}-${c.timeframe}-${c.adjustment}`} data-testid={`coverage-${c.symbol}`}>
                    <td>{c.symbol}</td>
                    <td>{c.timeframe}</td>
                    <td>{c.adjustment}</td>
                    <td className="num">{c.bars}</td>
                    <td>{c.ranges.map(([a, b]) => `${a.slice(0, 10)} – ${b.slice(0, 10)}`).join(", ")}</td>
                    <td>
                      <button type="button" className="btn small" onClick={() => onPick({ symbols: c.symbol, start: first.slice(0, 10), end: last.slice(0, 10), timeframe: c.timeframe })}>
                        Backtest {c.symbol}
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
