/** The strategies' signals as they happen, each with the reason in words and what became of it. */
import { useSearchParams } from "react-router-dom";
import { api } from "../api/endpoints";
import type { SignalRow } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { fmtTime } from "../format";
import { useResource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";

const KEEP = 200;

/** Newest first, no duplicates when a live signal also arrives in a reload. */
export function prependSignal(list: SignalRow[], next: SignalRow): SignalRow[] {
  return [next, ...list.filter((s) => String(s.id) !== String(next.id))].slice(0, KEEP);
}

export default function SignalsPage() {
  const [params, setParams] = useSearchParams();
  const symbol = (params.get("symbol") ?? "").toUpperCase();
  const outcome = params.get("outcome") ?? "";
  const signals = useResource(() => api.signals({ symbol, outcome, limit: KEEP }), [symbol, outcome]);
  useLiveEvent("signal", (next) => {
    if ((symbol && next.symbol !== symbol) || (outcome && next.outcome !== outcome)) return;
    signals.setData((prev) => prependSignal(prev ?? [], next));
  });

  function setFilter(key: string, value: string) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  }

  useLiveEvent("risk_rejection", (rejection) =>
    signals.setData((prev) =>
      (prev ?? []).map((s) =>
        rejection.signal_id != null && String(s.id) === String(rejection.signal_id)
          ? { ...s, outcome: "rejected", rejection_reason: rejection.reason }
          : s,
      ),
    ),
  );
  useLiveReload([], signals.reload);

  const list = signals.data;
  return (
    <div className="page">
      <h1>Signals</h1>
      <div className="filters" role="search">
        <div>
          <label htmlFor="signal-symbol">Symbol</label>
          <input id="signal-symbol" value={params.get("symbol") ?? ""} placeholder="any" onChange={(e) => setFilter("symbol", e.target.value)} />
        </div>
        <div>
          <label htmlFor="signal-outcome">Outcome</label>
          <select id="signal-outcome" value={outcome} onChange={(e) => setFilter("outcome", e.target.value)}>
            <option value="">All</option>
            <option value="pending">Pending</option>
            <option value="ordered">Ordered</option>
            <option value="rejected">Rejected by risk</option>
            <option value="ignored">Ignored</option>
          </select>
        </div>
      </div>
      <ErrorMessage error={signals.error} onRetry={signals.reload} />
      {!list && signals.loading && <Loading />}
      {list && (
        <section className="card">
          {list.length === 0 && <p className="empty">No signals yet. They appear here live as strategies fire.</p>}
          <ol className="feed" aria-label="Signals, newest first" aria-live="polite">
            {list.map((s) => (
              <li key={s.id} className="feed-item" data-testid="signal">
                <div className="feed-head">
                  <span className={`pill side-${s.side}`}>{s.side}</span>
                  <strong>{s.symbol}</strong>
                  <span className="muted">{s.strategy}</span>
                  <meter min={0} max={1} value={s.strength} title={`strength ${s.strength.toFixed(2)}`} aria-label="Strength" />
                  <span className="spacer" />
                  {s.outcome && <span className={`pill outcome-${s.outcome}`}>{s.outcome}</span>}
                  <time className="muted" dateTime={s.bar_time}>
                    {fmtTime(s.bar_time)}
                  </time>
                </div>
                <p className="feed-reason">{s.reason}</p>
                {s.rejection_reason && <p className="hint down">Risk: {s.rejection_reason}</p>}
              </li>
            ))}
          </ol>
        </section>
      )}
    </div>
  );
}
