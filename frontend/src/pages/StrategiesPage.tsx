/** Strategy instances: add one for a symbol with a form built from the strategy's schema; enable or disable. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { StrategyFileProblemOut, StrategyOut, StrategyInstance } from "../api/types";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { DataTable, type Column } from "../components/DataTable";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { StrategySelect } from "../components/StrategySelect";
import { coerce, defaults, SchemaForm, validate, type Values } from "../components/SchemaForm";
import { splitFieldErrors } from "../forms";
import { asApiError, useResource } from "../hooks/useResource";

function AddInstance({ strategies, onAdded }: { strategies: StrategyOut[]; onAdded: () => void }) {
  const [name, setName] = useState(strategies[0]?.name ?? "");
  const strategy = strategies.find((s) => s.name === name);
  const [symbol, setSymbol] = useState("");
  const [params, setParams] = useState<Values>(() => (strategy ? defaults(strategy.params_schema) : {}));
  const [enabled, setEnabled] = useState(false);
  const [errors, setErrors] = useState<{ form: Record<string, string>; params: Record<string, string> }>({ form: {}, params: {} });
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  function choose(next: string) {
    setName(next);
    const chosen = strategies.find((s) => s.name === next);
    setParams(chosen ? defaults(chosen.params_schema) : {});
    setErrors({ form: {}, params: {} });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!strategy) return;
    setError(null);
    const form: Record<string, string> = symbol.trim() ? {} : { symbol: "Enter a symbol, e.g. AAPL" };
    const paramErrors = validate(strategy.params_schema, params);
    setErrors({ form, params: paramErrors });
    if (Object.keys(form).length || Object.keys(paramErrors).length) return;
    setBusy(true);
    try {
      await api.addInstance({
        strategy: strategy.name,
        symbol: symbol.trim().toUpperCase(),
        params: coerce(strategy.params_schema, params),
        enabled,
        allow_short: false, // long-only unless switched on through the API
      });
      setSymbol("");
      onAdded();
    } catch (err) {
      const apiError = asApiError(err);
      const split = splitFieldErrors(apiError.fieldErrors());
      setErrors(split);
      if (!Object.keys(split.form).length && !Object.keys(split.params).length) setError(apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-labelledby="add-title">
      <h2 id="add-title">Add a strategy</h2>
      <div className="form-grid">
        <StrategySelect id="new-strategy" strategies={strategies} value={name} error={errors.form.strategy} onChange={choose} />
        <Field id="new-symbol" label="Symbol" error={errors.form.symbol}>
          {(aria) => <input {...aria} value={symbol} onChange={(e) => setSymbol(e.target.value)} placeholder="AAPL" autoComplete="off" />}
        </Field>
      </div>
      {strategy?.description && <p className="muted">{strategy.description}</p>}
      {strategy && (
        <fieldset className="params">
          <legend>Parameters</legend>
          <SchemaForm idPrefix="new-param" schema={strategy.params_schema} values={params} errors={errors.params} onChange={setParams} />
        </fieldset>
      )}
      <label className="check">
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />
        Enable right away
      </label>
      <ErrorMessage error={error} />
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy || !strategy}>
          {busy ? "Adding…" : "Add strategy"}
        </button>
      </div>
    </form>
  );
}

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(", ");
}

const COLUMNS = (titles: Map<string, string>): Column<StrategyInstance>[] => [
  { key: "strategy", header: "Strategy", cell: (i) => titles.get(i.strategy) ?? i.strategy },
  { key: "symbol", header: "Symbol", cell: (i) => <strong>{i.symbol}</strong> },
  { key: "params", header: "Parameters", className: "wrap muted", cell: (i) => paramsText(i.params) },
  { key: "state", header: "State", cell: (i) => <span className={`pill ${i.enabled ? "state-running" : ""}`}>{i.enabled ? "enabled" : "disabled"}</span> },
];

/** The user's strategy files the backend left out at start, each with file, line and reason. */
function BrokenFiles({ problems }: { problems: StrategyFileProblemOut[] }) {
  return (
    <section className="card" role="alert" aria-labelledby="broken-title">
      <h2 id="broken-title">Strategy files left out</h2>
      <p className="muted">These files did not load; the other strategies run. Fix them and redeploy.</p>
      <ul>
        {problems.map((p) => (
          <li key={`${p.file}:${p.line ?? ""}:${p.reason}`}>
            <code>
              {p.file}
              {p.line ? `:${p.line}` : ""}
            </code>{" "}
            {p.reason}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function StrategiesPage() {
  const strategies = useResource(() => api.strategies());
  const problems = useResource(() => api.strategyProblems());
  const instances = useResource(() => api.instances());
  const [rowError, setRowError] = useState<{ id: string; error: ApiError } | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [removing, setRemoving] = useState<StrategyInstance | null>(null);

  async function change(instance: StrategyInstance, call: () => Promise<unknown>) {
    const id = String(instance.id);
    setPending(id);
    setRowError(null);
    try {
      await call();
      instances.reload();
    } catch (err) {
      setRowError({ id, error: asApiError(err) });
    } finally {
      setPending(null);
      setRemoving(null);
    }
  }

  const titles = new Map((strategies.data ?? []).map((s) => [s.name, s.title ?? s.name]));
  const actions: Column<StrategyInstance> = {
    key: "actions",
    header: "",
    align: "num",
    cell: (i) => (
      <>
        <div className="actions end">
          <button
            type="button"
            className={`btn small ${i.enabled ? "" : "primary"}`}
            disabled={pending === String(i.id)}
            onClick={() => change(i, () => api.setInstanceEnabled(i.id, !i.enabled))}
            aria-label={`${i.enabled ? "Disable" : "Enable"} ${i.strategy} on ${i.symbol}`}
          >
            {i.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className="btn small danger" onClick={() => setRemoving(i)} aria-label={`Remove ${i.strategy} on ${i.symbol}`}>
            Remove
          </button>
        </div>
        {rowError?.id === String(i.id) && <ErrorMessage error={rowError.error} />}
      </>
    ),
  };
  return (
    <div className="page">
      <h1>Strategies</h1>
      <ErrorMessage error={strategies.error} onRetry={strategies.reload} />
      {problems.data && problems.data.length > 0 && <BrokenFiles problems={problems.data} />}
      {strategies.data && strategies.data.length > 0 && <AddInstance strategies={strategies.data} onAdded={instances.reload} />}
      <section className="card" aria-labelledby="instances-title">
        <h2 id="instances-title">Running on symbols</h2>
        <ErrorMessage error={instances.error} onRetry={instances.reload} />
        {!instances.data && instances.loading && <Loading />}
        {instances.data && (
          <DataTable
            label="Strategy instances"
            columns={[...COLUMNS(titles), actions]}
            rows={instances.data}
            rowKey={(i) => i.id}
            rowProps={(i) => ({ "data-testid": `instance-${i.symbol}-${i.strategy}` })}
            empty="No strategy instances yet: add one above."
          />
        )}
      </section>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.strategy} on ${removing.symbol}?`}
          confirmLabel="Remove"
          danger
          busy={pending === String(removing.id)}
          onCancel={() => setRemoving(null)}
          onConfirm={() => change(removing, () => api.deleteInstance(removing.id))}
        >
          <p>The strategy stops producing signals for this symbol. Open positions stay as they are.</p>
        </ConfirmDialog>
      )}
    </div>
  );
}
