/** Live vs backtest: replay one day of a strategy instance through the backtester and show, signal by signal, where it differs. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { ReplayOut, ReplayOutcome, ReplayRow, StrategyInstance } from "../api/types";
import { asApiError } from "../hooks/useResource";
import { DataTable, type Column } from "./DataTable";
import { ErrorMessage } from "./ErrorMessage";
import { Field } from "./Field";
import { daysAgo } from "./HistoryPanel";

/** An outcome in a few words: "filled 10 @ 100.05", "rejected (reason)", "absent". */
export function said(o: ReplayOutcome): string {
  if (o.status === "filled") return `filled ${o.qty ?? 0} @ ${o.price?.toFixed(2) ?? "?"}`;
  return o.reason ? `${o.status} (${o.reason})` : o.status;
}

const COLUMNS: Column<ReplayRow>[] = [
  { key: "time", header: "Bar", cell: (r) => r.time.slice(0, 16).replace("T", " ") },
  { key: "side", header: "Side", cell: (r) => r.side },
  { key: "live", header: "Live", cell: (r) => said(r.live) },
  { key: "backtest", header: "Backtest", cell: (r) => said(r.backtest) },
  { key: "diff", header: "Differences", className: (r) => (r.differences.length ? "negative" : ""), cell: (r) => r.differences.join("; ") || "same" },
];

export function ReplayPanel({ instances }: { instances: StrategyInstance[] }) {
  const [instance, setInstance] = useState("");
  const [day, setDay] = useState(daysAgo(0));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [result, setResult] = useState<ReplayOut | null>(null);
  const [busy, setBusy] = useState(false);
  const chosen = instance || String(instances[0]?.id ?? "");

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setResult(null);
    if (!chosen) return setErrors({ instance_id: "Add a strategy instance first" });
    setErrors({});
    setBusy(true);
    try {
      setResult(await api.replayDay(Number(chosen), day));
    } catch (err) {
      const apiError = asApiError(err);
      const fields = apiError.fieldErrors();
      setErrors(fields);
      if (!["instance_id", "day"].some((f) => f in fields)) setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="replay-title">
      <h2 id="replay-title">Live vs backtest</h2>
      <form onSubmit={submit} noValidate aria-label="Replay a live day">
        <div className="form-grid">
          <Field id="replay-instance" label="Instance" error={errors.instance_id}>
            {(aria) => (
              <select {...aria} value={chosen} onChange={(e) => setInstance(e.target.value)}>
                {instances.map((i) => (
                  <option key={i.id} value={String(i.id)}>
                    {i.name} ({i.strategy}, {i.symbol})
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="replay-day" label="Day" error={errors.day} hint="UTC">
            {(aria) => <input {...aria} type="date" value={day} onChange={(e) => setDay(e.target.value)} />}
          </Field>
        </div>
        <ErrorMessage error={error} />
        <div className="form-actions">
          <button type="submit" className="btn" disabled={busy}>
            {busy ? "Replaying…" : "Replay day"}
          </button>
        </div>
      </form>
      {result && (
        <>
          <p role="status" data-testid="replay-summary">
            {result.agree ? "Live and backtest agree" : "Live and backtest differ"} on {result.rows.length} signal{result.rows.length === 1 ? "" : "s"} ({result.bars} {result.timeframe} bars
            after {result.warmup_bars} of warm-up{result.warmup_bars < result.warmup_needed ? `, short of the ${result.warmup_needed} the engine uses` : ""}).
          </p>
          <DataTable
            label="Live vs backtest"
            columns={COLUMNS}
            rows={result.rows}
            rowKey={(r) => `${r.time}-${r.side}`}
            rowProps={(r) => ({ "data-testid": `replay-${r.time.slice(11, 16)}-${r.side}` })}
            empty="No signals that day, live or in the backtest."
          />
        </>
      )}
    </section>
  );
}
