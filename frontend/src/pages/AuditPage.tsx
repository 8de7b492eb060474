/** Who changed what and when: the audit trail, newest first. */
import { useState } from "react";
import { api } from "../api/endpoints";
import type { AuditEntry } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { fmtTime } from "../format";
import { useResource } from "../hooks/useResource";

const PAGE_SIZE = 100;

const show = (value: unknown) => (typeof value === "string" ? value : JSON.stringify(value));

/** A created thing lists its set fields; a changed one lists "key: before → after" per changed field. */
export function changes(entry: AuditEntry): string {
  const before = entry.before;
  const after = entry.after ?? {};
  if (!before) {
    return Object.entries(after)
      .filter(([, v]) => v !== null && v !== undefined)
      .map(([k, v]) => `${k}=${show(v)}`)
      .join(", ");
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((k) => `${k}: ${show(before[k] ?? null)} → ${show(after[k] ?? null)}`)
    .join("; ");
}

export default function AuditPage() {
  const [offset, setOffset] = useState(0);
  const [filters, setFilters] = useState({ actor: "", action: "", entity: "" });
  const audit = useResource(
    () => api.audit({ ...filters, limit: PAGE_SIZE, offset }),
    [offset, filters.actor, filters.action, filters.entity],
  );
  const filter = (key: keyof typeof filters, value: string) => {
    setOffset(0);
    setFilters((f) => ({ ...f, [key]: value.trim() }));
  };
  const list = audit.data?.items;
  const total = audit.data?.total ?? 0;
  return (
    <div className="page">
      <h1>Audit log</h1>
      <div className="filters" role="search">
        {(["actor", "action", "entity"] as const).map((key) => (
          <div key={key}>
            <label htmlFor={`audit-${key}`}>{key === "actor" ? "Who" : key === "action" ? "Action" : "What"}</label>
            <input id={`audit-${key}`} placeholder="any" onChange={(e) => filter(key, e.target.value)} />
          </div>
        ))}
      </div>
      <ErrorMessage error={audit.error} onRetry={audit.reload} />
      {!list && audit.loading && <Loading />}
      {list && (
        <section className="card">
          <div className="table-wrap">
            <table aria-label="Audit log">
              <thead>
                <tr>
                  <th>When</th>
                  <th>Who</th>
                  <th>Action</th>
                  <th>What</th>
                  <th>Details</th>
                </tr>
              </thead>
              <tbody>
                {list.map((e) => (
                  <tr key={e.id}>
                    <td>{fmtTime(e.at)}</td>
                    <td>{e.actor}</td>
                    <td>
                      <strong>{e.action}</strong>
                    </td>
                    <td className="muted">
                      {e.entity}
                      {e.entity_id ? ` #${e.entity_id}` : ""}
                    </td>
                    <td className="wrap">{[e.message, changes(e)].filter(Boolean).join(" · ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.length === 0 && <p className="empty">Nothing recorded yet.</p>}
          <div className="pager">
            <span className="muted">
              {total === 0 ? "0" : `${offset + 1}–${offset + list.length}`} of {total}
            </span>
            <button type="button" className="btn small" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
              Newer
            </button>
            <button type="button" className="btn small" disabled={offset + PAGE_SIZE >= total} onClick={() => setOffset(offset + PAGE_SIZE)}>
              Older
            </button>
          </div>
        </section>
      )}
    </div>
  );
}
