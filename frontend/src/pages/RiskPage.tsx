/** Risk settings: edit and save; the API's validation messages appear under the field they concern. */
import { useState, type FormEvent } from "react";
import { api } from "../api/endpoints";
import type { ApiError } from "../api/errors";
import type { RiskSettings } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { Field } from "../components/Field";
import { Loading } from "../components/Loading";
import { humanize } from "../forms";
import { asApiError, useResource } from "../hooks/useResource";

type Draft = Record<string, string | boolean>;

function toDraft(settings: RiskSettings): Draft {
  const draft: Draft = {};
  for (const [key, value] of Object.entries(settings)) draft[key] = typeof value === "boolean" ? value : value == null ? "" : String(value);
  return draft;
}

/** Back to the API's types: numbers stay numbers, empty means null. */
export function fromDraft(draft: Draft, original: RiskSettings): RiskSettings {
  const out: RiskSettings = {};
  for (const [key, value] of Object.entries(draft)) {
    const before = original[key];
    if (typeof value === "boolean") out[key] = value;
    else if (value.trim() === "") out[key] = null;
    else if (typeof before === "number" || (before === null && !Number.isNaN(Number(value)))) out[key] = Number(value);
    else out[key] = value;
  }
  return out;
}

function RiskForm({ settings, onSaved }: { settings: RiskSettings; onSaved: (s: RiskSettings) => void }) {
  const [draft, setDraft] = useState<Draft>(() => toDraft(settings));
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<ApiError | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const next = await api.saveRisk(fromDraft(draft, settings));
      setFieldErrors({});
      setSaved(true);
      onSaved(next);
    } catch (err) {
      const apiError = asApiError(err);
      const fields = apiError.fieldErrors();
      setFieldErrors(fields);
      setError(Object.keys(fields).some((f) => f in draft) ? null : apiError);
    } finally {
      setBusy(false);
    }
  }

  const keys = Object.keys(draft);
  const flags = keys.filter((k) => typeof draft[k] === "boolean");
  const values = keys.filter((k) => typeof draft[k] !== "boolean");
  return (
    <form className="card" onSubmit={submit} noValidate aria-label="Risk settings">
      <div className="form-grid">
        {values.map((key) => (
          <Field key={key} id={`risk-${key}`} label={humanize(key)} error={fieldErrors[key]}>
            {(aria) => (
              <input
                {...aria}
                name={key}
                inputMode="decimal"
                value={String(draft[key])}
                onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.value }))}
              />
            )}
          </Field>
        ))}
      </div>
      {flags.map((key) => (
        <div key={key}>
          <label className="check">
            <input type="checkbox" name={key} checked={Boolean(draft[key])} onChange={(e) => setDraft((d) => ({ ...d, [key]: e.target.checked }))} />
            {humanize(key)}
          </label>
          {fieldErrors[key] && <span className="field-error">{fieldErrors[key]}</span>}
        </div>
      ))}
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
        <button type="button" className="btn" onClick={() => setDraft(toDraft(settings))}>
          Reset
        </button>
      </div>
    </form>
  );
}

export default function RiskPage() {
  const risk = useResource(() => api.risk());
  return (
    <div className="page">
      <h1>Risk settings</h1>
      <p className="muted">Every signal passes these limits before an order is sent.</p>
      <ErrorMessage error={risk.error} onRetry={risk.reload} />
      {!risk.data && risk.loading && <Loading />}
      {risk.data && <RiskForm settings={risk.data} onSaved={risk.setData} />}
    </div>
  );
}
