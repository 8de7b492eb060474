/** Engine state with start/stop and a kill switch that needs a typed confirmation. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { EngineState } from "../api/types";
import { asApiError, useResource } from "../hooks/useResource";
import { useLiveEvent, useLiveReload } from "../live/LiveContext";
import { ConfirmDialog } from "./ConfirmDialog";
import { ErrorMessage } from "./ErrorMessage";
import { Loading } from "./Loading";

export function isRunning(engine: EngineState): boolean {
  return engine.running ?? ["running", "starting"].includes(engine.state);
}

export function EnginePanel() {
  const engine = useResource(() => api.engine());
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [killOpen, setKillOpen] = useState(false);
  const [flatten, setFlatten] = useState(true);
  const [typed, setTyped] = useState("");
  useLiveEvent("engine", (next) => engine.setData((prev) => ({ ...prev, ...next })));
  useLiveReload([], engine.reload);

  async function act(call: () => Promise<EngineState>) {
    setBusy(true);
    setActionError(null);
    try {
      engine.setData(await call());
      setKillOpen(false);
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
            {state.message && <span className="muted"> {state.message}</span>}
          </p>
          <div className="actions">
            {isRunning(state) ? (
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
      {killOpen && (
        <ConfirmDialog
          title="Kill switch"
          confirmLabel="Kill now"
          danger
          busy={busy}
          ready={typed === "KILL"}
          onCancel={closeKill}
          onConfirm={() => act(() => api.killEngine(flatten))}
        >
          <p>Stops the engine at once and cancels every open order. Trading stays halted until you start it again.</p>
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
