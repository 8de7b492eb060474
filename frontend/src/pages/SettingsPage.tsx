/** Settings: which notification targets the server has (service names only) and a test per target. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { NotifyTarget } from "../api/types";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { asApiError, useResource } from "../hooks/useResource";

type Outcome = { kind: "sending" } | { kind: "done"; delivered: boolean } | { kind: "error"; message: string };

function TestButton({ target }: { target: NotifyTarget }) {
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
    <>
      <button type="button" className="btn small" onClick={send} disabled={outcome?.kind === "sending"}>
        {outcome?.kind === "sending" ? "Sending…" : "Send a test message"}
      </button>{" "}
      <span role="status">
        {outcome?.kind === "done" && (outcome.delivered ? "Delivered." : "Not delivered: see the backend log.")}
        {outcome?.kind === "error" && outcome.message}
      </span>
    </>
  );
}

const COLUMNS: Column<NotifyTarget>[] = [
  { key: "service", header: "Service", cell: (t) => t.service },
  { key: "events", header: "Events", cell: (t) => (t.events ? t.events.join(", ") : "all events") },
  { key: "test", header: "Test", cell: (t) => <TestButton target={t} /> },
];

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
        {targets.data && (
          <DataTable label="Notification targets" columns={COLUMNS} rows={targets.data} rowKey={(t) => t.index} empty="No notification target is configured." />
        )}
      </section>
    </div>
  );
}
