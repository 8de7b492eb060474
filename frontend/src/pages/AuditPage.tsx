/** Who changed what and when: the audit trail, newest first. */
import { api } from "../api/endpoints";
import type { AuditEntry } from "../api/types";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { Pager } from "../components/Pager";
import { fmtTime } from "../format";
import { usePaging } from "../hooks/usePaging";
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

const COLUMNS: Column<AuditEntry>[] = [
  { key: "at", header: "When", cell: (e) => fmtTime(e.at) },
  { key: "actor", header: "Who", cell: (e) => e.actor },
  { key: "action", header: "Action", cell: (e) => <strong>{e.action}</strong> },
  { key: "entity", header: "What", className: "muted", cell: (e) => `${e.entity}${e.entity_id ? ` #${e.entity_id}` : ""}` },
  { key: "details", header: "Details", className: "wrap", cell: (e) => [e.message, changes(e)].filter(Boolean).join(" · ") },
];

const FILTERS = [
  { key: "actor", label: "Who" },
  { key: "action", label: "Action" },
  { key: "entity", label: "What" },
] as const;

export default function AuditPage() {
  const paging = usePaging({ pageSize: PAGE_SIZE, filters: FILTERS.map((f) => f.key) });
  const { actor, action, entity } = paging.filters;
  const { offset, limit } = paging;
  const audit = useResource(() => api.audit({ actor: actor.trim(), action: action.trim(), entity: entity.trim(), limit, offset }), [offset, limit, actor, action, entity]);
  const list = audit.data?.items;
  return (
    <div className="page">
      <h1>Audit log</h1>
      <div className="filters" role="search">
        {FILTERS.map(({ key, label }) => (
          <div key={key}>
            <label htmlFor={`audit-${key}`}>{label}</label>
            <input id={`audit-${key}`} placeholder="any" value={paging.filters[key]} onChange={(e) => paging.setFilter(key, e.target.value)} />
          </div>
        ))}
      </div>
      <ErrorMessage error={audit.error} onRetry={audit.reload} />
      {!list && audit.loading && <Loading />}
      {list && (
        <section className="card">
          <DataTable label="Audit log" columns={COLUMNS} rows={list} rowKey={(e) => e.id} empty="Nothing recorded yet." />
          <Pager paging={paging} total={audit.data?.total ?? 0} shown={list.length} shownOffset={audit.data?.offset} label="the audit log" previous="Newer" next="Older" />
        </section>
      )}
    </div>
  );
}
