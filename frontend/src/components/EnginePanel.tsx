/** Engine state with start/stop and a kill switch that needs a typed confirmation. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { EngineState, KillOut } from "../api/types";
import { fmtTime } from "../format";
import { asApiError, useResource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage } from "./ErrorMessage";
import { Loading } from "./Loading";

export function killSummary(result: KillOut): string {
  const parts = [`${result.canceled_orders} open order(s) canceled`, `${result.disabled_instances} strategy instance(s) disabled`];
  if (result.flatten_orders.length) parts.push(`${result.flatten_orders.length} closing order(s) sent`);
  return `Engine killed: ${parts.join(", ")}.`;
}

function RunFacts({ engine }: { engine: EngineState }) {
  const run = engine.run;
  return (
    <dl className="facts">
      <dt>Broker</dt>
      <dd>{engine.broker === "sim" ? "Simulator" : "Alpaca"}</dd>
      <dt>Market data</dt>
      <dd>{engine.market_data}</dd>
      {run && (
        <>
          <dt>Symbols</dt>
          <dd>{run.symbols.join(", ") || "—"}</dd>
          <dt>Since</dt>
          <dd>{fmtTime(run.started_at)}</dd>
          <dt>Bars · signals</dt>
          <dd>
            {run.bars ?? 0} · {run.signals ?? 0}
          </dd>
          <dt>Orders · rejected</dt>
          <dd>
            {run.orders ?? 0} · {run.rejections ?? 0}
          </dd>
          <dt>Last bar</dt>
          <dd>{fmtTime(run.last_bar_time)}</dd>
        </>
      )}
    </dl>
  );
}

export function EnginePanel() {
  const engine = useResource(() => api.engine());
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [killOpen, setKillOpen] = useState(false);
  const [flatten, setFlatten] = useState(true);
  const [typed, setTyped] = useState("");
  const [killed, setKilled] = useState<KillOut | null>(null);
  useLiveEvent("engine", (next) => engine.setData(next));
  useLiveReload([], engine.reload);

  async function act(call: () => Promise<EngineState>) {
    setBusy(true);
    setActionError(null);
    try {
      engine.setData(await call());
    } catch (err) {
      setActionError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  async function kill() {
    setBusy(true);
    setActionError(null);
    try {
      const result = await api.killEngine(flatten);
      engine.setData(result);
      setKilled(result);
      closeKill();
    } catch (err) {
      setActionError(asApiError(err));
    } finally {
      setBusy(false);
    }
  }

  function closeKill() {
    setKillOpen(false);
    setTyped("");
  }

  const state = engine.data;
  const running = state?.state === "running";
  return (
    <section className="card" aria-labelledby="engine-title">
      <h2 id="engine-title">Engine</h2>
      {!state && engine.loading && <Loading />}
      <ErrorMessage error={engine.error} onRetry={engine.reload} />
      {state && (
        <>
          <p className="engine-state">
            <span className={`pill state-${state.state}`} data-testid="engine-state">
              {state.state}
            </span>
            {state.desired !== state.state && <span className="muted"> · {state.desired === "running" ? "starting…" : "stopping…"}</span>}
          </p>
          {state.last_error && <p className="hint down">Last error: {state.last_error}</p>}
          <RunFacts engine={state} />
          <div className="actions">
            {running || state.desired === "running" ? (
              <button type="button" className="btn" disabled={busy} onClick={() => act(api.stopEngine)}>
                Stop engine
              </button>
            ) : (
              <button type="button" className="btn primary" disabled={busy} onClick={() => act(api.startEngine)}>
                Start engine
              </button>
            )}
            <button type="button" className="btn danger" disabled={busy} onClick={() => setKillOpen(true)}>
              Kill switch…
            </button>
          </div>
        </>
      )}
      <ErrorMessage error={killOpen ? null : actionError} />
      {killed && (
        <p className="notice" role="status">
          {killSummary(killed)}
          {killed.errors.length > 0 && ` Problems: ${killed.errors.join("; ")}`}
        </p>
      )}
      {killOpen && (
        <ConfirmDialog title="Kill switch" confirmLabel="Kill now" danger busy={busy} ready={typed === "KILL"} onCancel={closeKill} onConfirm={kill}>
          <p>Stops the engine at once, cancels every open order and disables every strategy. Nothing trades until you start it again.</p>
          <label className="check">
            <input type="checkbox" checked={flatten} onChange={(e) => setFlatten(e.target.checked)} />
            Also close every position at market (flatten)
          </label>
          <label htmlFor="kill-confirm">Type KILL to confirm</label>
          <input id="kill-confirm" value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />
          <ErrorMessage error={actionError} />
        </ConfirmDialog>
      )}
    </section>
  );
}
