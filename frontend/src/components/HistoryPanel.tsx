/** The history cache on the Backtests screen: fill it for symbols and days, see what it holds, pick a range. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { Coverage, HistoryFetch, HistoryFetchIn } from "../api/types";
import { asApiError } from "../hooks/useResource";
import { DataTable, type Column } from "./DataTable";
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

const COVERAGE_COLUMNS: Column<Coverage>[] = [
  { key: "symbol", header: "Symbol", cell: (c) => c.symbol },
  { key: "timeframe", header: "Bar size", cell: (c) => c.timeframe },
  { key: "adjustment", header: "Adjustment", cell: (c) => c.adjustment },
  { key: "bars", header: "Bars", align: "num", cell: (c) => c.bars },
  { key: "covered", header: "Covered", cell: (c) => c.ranges.map(([a, b]) => `${a.slice(0, 10)} – ${b.slice(0, 10)}`).join(", ") },
];

export interface Picked {
  symbols: string;
  start: string;
  end: string;
  timeframe: string;
  adjustment: NonNullable<HistoryFetchIn["adjustment"]>;
}

/** A coverage row as a range to run on: its symbol, its first and last covered day. */
export function pickOf(c: Coverage): Picked {
  const [first, last] = [c.ranges[0]?.[0] ?? "", c.ranges.at(-1)?.[1] ?? ""];
  return { symbols: c.symbol, start: first.slice(0, 10), end: last.slice(0, 10), timeframe: c.timeframe, adjustment: c.adjustment as Picked["adjustment"] };
}

/** Pick symbols and a range from what the history cache holds. */
export function CoverageSelect({ id, coverage, onPick }: { id: string; coverage: Coverage[]; onPick: (range: Picked) => void }) {
  return (
    <Field id={id} label="From the cache" hint={coverage.length ? "Fills symbols, days and bar size" : "Nothing cached yet: fetch or import history"}>
      {(aria) => (
        <select {...aria} value="" onChange={(e) => {
            const row = e.target.value ? coverage[Number(e.target.value)] : undefined;
            if (row) onPick(pickOf(row));
          }}>
          <option value="">Choose…</option>
          {coverage.map((c, i) => {
            const p = pickOf(c);
            return (
              <option key={`${c.symbol}-${c.timeframe}-${c.adjustment}`} value={String(i)}>
                {c.symbol} {c.timeframe} {c.adjustment}: {p.start} – {p.end}
              </option>
            );
          })}
        </select>
      )}
    </Field>
  );
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

  const pick: Column<Coverage> = {
    key: "pick",
    header: "",
    cell: (c) => (
      <button type="button" className="btn small" onClick={() => onPick(pickOf(c))}>
        Backtest {c.symbol}
      </button>
    ),
  };

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
        <DataTable
          label="History coverage"
          columns={[...COVERAGE_COLUMNS, pick]}
          rows={coverage}
          rowKey={(c) => `${c.symbol}-${c.timeframe}-${c.adjustment}`}
          rowProps={(c) => ({ "data-testid": `coverage-${c.symbol}` })}
          empty="Nothing cached yet."
        />
      )}
    </section>
  );
}
