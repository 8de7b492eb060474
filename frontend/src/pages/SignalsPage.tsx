/** The strategies' signals as they happen, each with the reason in words and what became of it. */
import { api } from "../api/endpoints";
import type { Page, SignalRow } from "../api/types";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { fmtTime } from "../format";
import { usePaging } from "../hooks/usePaging";
import { useResource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";

const PAGE_SIZE = 50;

/** Newest first on the first page, no duplicates when a live signal also arrives in a reload. */
export function prependSignal(page: Page<SignalRow>, next: SignalRow, limit: number): Page<SignalRow> {
  const known = page.items.some((s) => String(s.id) === String(next.id));
  const items = [next, ...page.items.filter((s) => String(s.id) !== String(next.id))].slice(0, limit);
  return { ...page, items, total: page.total + (known ? 0 : 1) };
}

const COLUMNS: Column<SignalRow>[] = [
  { key: "time", header: "Bar", cell: (s) => <time dateTime={s.bar_time}>{fmtTime(s.bar_time)}</time> },
  { key: "symbol", header: "Symbol", cell: (s) => <strong>{s.symbol}</strong> },
  { key: "side", header: "Side", cell: (s) => <span className={`pill side-${s.side}`}>{s.side}</span> },
  { key: "strategy", header: "Strategy", className: "muted", cell: (s) => s.strategy },
  {
    key: "strength",
    header: "Strength",
    cell: (s) => <meter min={0} max={1} value={s.strength} title={`strength ${s.strength.toFixed(2)}`} aria-label="Strength" />,
  },
  { key: "outcome", header: "Outcome", cell: (s) => s.outcome && <span className={`pill outcome-${s.outcome}`}>{s.outcome}</span> },
  {
    key: "reason",
    header: "Reason",
    className: "wrap",
    cell: (s) => (
      <>
        <span data-testid="signal-reason">{s.reason}</span>
        {s.rejection_reason && <div className="hint down">Risk: {s.rejection_reason}</div>}
      </>
    ),
  },
];

export default function SignalsPage() {
  const paging = usePaging({ pageSize: PAGE_SIZE, filters: ["symbol", "outcome"] });
  const { outcome } = paging.filters;
  const symbol = paging.filters.symbol.toUpperCase();
  const { offset, limit } = paging;
  const signals = useResource(() => api.signals({ symbol, outcome, limit, offset }), [symbol, outcome, limit, offset]);
  useLiveEvent("signal", (next) => {
    if (offset > 0 || (symbol && next.symbol !== symbol) || (outcome && next.outcome !== outcome)) return;
    signals.setData((prev) => prev && prependSignal(prev, next, limit));
  });
  useLiveEvent("risk_rejection", (rejection) =>
    signals.setData((prev) =>
      prev && {
        ...prev,
        items: prev.items.map((s) =>
          rejection.signal_id != null && String(s.id) === String(rejection.signal_id)
            ? { ...s, outcome: "rejected", rejection_reason: rejection.reason }
            : s,
        ),
      },
    ),
  );
  useLiveReload([], signals.reload);

  const page = signals.data;
  return (
    <div className="page">
      <h1>Signals</h1>
      <div className="filters" role="search">
        <div>
          <label htmlFor="signal-symbol">Symbol</label>
          <input id="signal-symbol" value={paging.filters.symbol} placeholder="any" onChange={(e) => paging.setFilter("symbol", e.target.value)} />
        </div>
        <div>
          <label htmlFor="signal-outcome">Outcome</label>
          <select id="signal-outcome" value={outcome} onChange={(e) => paging.setFilter("outcome", e.target.value)}>
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="ordered">Ordered</option>
            <option value="rejected">Rejected by risk</option>
            <option value="ignored">Ignored</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={signals.error} onRetry={signals.reload} />
      {!page && signals.loading && <Loading />}
      {page && (
        <section className="card" aria-live="polite">
          <DataTable
            label="Signals, newest first"
            columns={COLUMNS}
            rows={page.items}
            rowKey={(s) => s.id}
            rowProps={() => ({ "data-testid": "signal" })}
            empty="No signals yet. They appear here live as strategies fire."
          />
          <Pager paging={paging} total={page.total} shown={page.items.length} shownOffset={page.offset} label="signals" previous="Newer" next="Older" />
        </section>
      )}
    </div>
  );
}
