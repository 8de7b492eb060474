/** Risk settings: a form built from the API's schema; its validation messages appear under the field. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import { componentSchema } from "../api/schemas";
import type { JsonSchema, RiskSettings } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Loading } from "../components/Loading";
import { coerce, SchemaForm, validate, type Values } from "../components/SchemaForm";
import { asApiError, useResource } from "../hooks/useResource";

function RiskForm({ schema, settings, onSaved }: { schema: JsonSchema; settings: RiskSettings; onSaved: (s: RiskSettings) => void }) {
  const [values, setValues] = useState<Values>(settings);
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const local = validate(schema, values);
    setFieldErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const next = await api.saveRisk(coerce(schema, values) as RiskSettings);
      setValues(next);
      setSaved(true);
      onSaved(next);
    } catch (err) {
      const apiError = asApiError(err);
      const fields = apiError.fieldErrors();
      setFieldErrors(fields);
      setError(Object.keys(fields).some((f) => f in values) ? null : apiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Risk settings">
      <SchemaForm idPrefix="risk" schema={schema} values={values} errors={fieldErrors} onChange={setValues} />
      <ErrorMessage error={error} />
      {saved && (
        <p className="notice ok" role="status">
          Saved. The engine applies these limits to the next signal.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={busy}>
          {busy ? "Saving…" : "Save risk settings"}
        </button>
        <button type="button" className="btn" onClick={() => setValues(settings)}>
          Reset
        </button>
      </div>
    </form>
  );
}

export default function RiskPage() {
  const risk = useResource(() => Promise.all([api.risk(), componentSchema("RiskSettings")]));
  const [settings, schema] = risk.data ?? [];
  return (
    <div className="page">
      <h1>Risk settings</h1>
      <p className="muted">Every signal passes these limits before an order is sent.</p>
      <ErrorMessage error={risk.error} onRetry={risk.reload} />
      {!risk.data && risk.loading && <Loading />}
      {settings && schema && (
        <RiskForm schema={schema} settings={settings} onSaved={(next) => risk.setData([next, schema])} />
      )}
    </div>
  );
}
