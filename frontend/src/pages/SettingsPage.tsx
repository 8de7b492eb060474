/** Settings: which notification targets the server has (service names only) and a test per target. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { NotifyTarget } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { asApiError, useResource } from "../hooks/useResource";

type Outcome = { kind: "sending" } | { kind: "done"; delivered: boolean } | { kind: "error"; message: string };

function TargetRow({ target }: { target: NotifyTarget }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const send = async () => {
    setOutcome({ kind: "sending" });
    try {
      const result = await api.testNotifyTarget(target.index);
      setOutcome({ kind: "done", delivered: result.delivered });
    } catch (error) {
      setOutcome({ kind: "error", message: asApiError(error).message });
    }
  };
  return (
    <tr>
      <td>{target.service}</td>
      <td>{target.events ? target.events.join(", ") : "all events"}</td>
      <td>
        <button type="button" className="btn small" onClick={send} disabled={outcome?.kind === "sending"}>
          {outcome?.kind === "sending" ? "Sending…" : "Send a test message"}
        </button>{" "}
        <span role="status">
          {outcome?.kind === "done" && (outcome.delivered ? "Delivered." : "Not delivered: see the backend log.")}
          {outcome?.kind === "error" && outcome.message}
        </span>
      </td>
    </tr>
  );
}

export default function SettingsPage() {
  const targets = useResource(() => api.notifyTargets());
  return (
    <div className="page">
      <h1>Settings</h1>
      <section className="card" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        <p className="muted">
          Targets are Apprise URLs kept in the server's vault (NOTIFY_URLS); only their service is shown here.
        </p>
        <ErrorMessage error={targets.error} onRetry={targets.reload} />
        {!targets.data && targets.loading && <Loading />}
        {targets.data && targets.data.length === 0 && <p>No notification target is configured.</p>}
        {targets.data && targets.data.length > 0 && (
          <table>
            <thead>
              <tr>
                <th scope="col">Service</th>
                <th scope="col">Events</th>
                <th scope="col">Test</th>
              </tr>
            </thead>
            <tbody>
              {targets.data.map((target) => (
                <TargetRow key={target.index} target={target} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
