/** Inputs generated from a JSON schema, with its bounds shown and enforced before sending. */
import type { JsonSchema, JsonSchemaProperty } from "../api/types";
import { Field } from "./Field";

export type Values = Record<string, unknown>;

function kind(prop: JsonSchemaProperty): string {
  const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;
  if (prop.enum) return "enum";
  return type ?? "string";
}

export function defaults(schema: JsonSchema): Values {
  const out: Values = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) if (prop.default !== undefined) out[name] = prop.default;
  return out;
}

export function boundsHint(prop: JsonSchemaProperty): string | undefined {
  const low = prop.minimum ?? prop.exclusiveMinimum;
  const high = prop.maximum ?? prop.exclusiveMaximum;
  const lowText = low === undefined ? null : `${prop.exclusiveMinimum !== undefined ? ">" : "≥"} ${low}`;
  const highText = high === undefined ? null : `${prop.exclusiveMaximum !== undefined ? "<" : "≤"} ${high}`;
  const parts = [lowText, highText].filter(Boolean);
  const text = parts.length ? parts.join(" and ") : undefined;
  return [prop.description, text].filter(Boolean).join(" · ") || undefined;
}

/** Returns a message per field that breaks the schema's type or bounds. */
export function validate(schema: JsonSchema, values: Values): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    const label = prop.title ?? name;
    if (value === undefined || value === "" || value === null) {
      if (schema.required?.includes(name)) errors[name] = `${label} is required`;
      continue;
    }
    const k = kind(prop);
    if (k !== "integer" && k !== "number") continue;
    const n = Number(value);
    if (!Number.isFinite(n)) errors[name] = `${label} must be a number`;
    else if (k === "integer" && !Number.isInteger(n)) errors[name] = `${label} must be a whole number`;
    else if (prop.minimum !== undefined && n < prop.minimum) errors[name] = `${label} must be at least ${prop.minimum}`;
    else if (prop.maximum !== undefined && n > prop.maximum) errors[name] = `${label} must be at most ${prop.maximum}`;
    else if (prop.exclusiveMinimum !== undefined && n <= prop.exclusiveMinimum)
      errors[name] = `${label} must be above ${prop.exclusiveMinimum}`;
    else if (prop.exclusiveMaximum !== undefined && n >= prop.exclusiveMaximum)
      errors[name] = `${label} must be below ${prop.exclusiveMaximum}`;
  }
  return errors;
}

/** Converts the form's strings into the schema's types for sending. */
export function coerce(schema: JsonSchema, values: Values): Values {
  const out: Values = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) {
    const value = values[name];
    if (value === undefined || value === "") continue;
    const k = kind(prop);
    out[name] = k === "integer" || k === "number" ? Number(value) : value;
  }
  return out;
}

interface Props {
  idPrefix: string;
  schema: JsonSchema;
  values: Values;
  errors: Record<string, string>;
  onChange: (values: Values) => void;
}

export function SchemaForm({ idPrefix, schema, values, errors, onChange }: Props) {
  const entries = Object.entries(schema.properties ?? {});
  if (entries.length === 0) return <p className="muted">This strategy has no parameters.</p>;
  return (
    <div className="form-grid">
      {entries.map(([name, prop]) => {
        const k = kind(prop);
        const id = `${idPrefix}-${name}`;
        const value = values[name];
        const set = (v: unknown) => onChange({ ...values, [name]: v });
        return (
          <Field key={name} id={id} label={prop.title ?? name} error={errors[name]} hint={boundsHint(prop)}>
            {(aria) =>
              k === "boolean" ? (
                <input {...aria} type="checkbox" checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
              ) : k === "enum" ? (
                <select {...aria} value={String(value ?? "")} onChange={(e) => set(e.target.value)}>
                  {(prop.enum ?? []).map((option) => (
                    <option key={String(option)} value={String(option)}>
                      {String(option)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...aria}
                  type={k === "integer" || k === "number" ? "number" : "text"}
                  min={prop.minimum}
                  max={prop.maximum}
                  step={prop.multipleOf ?? (k === "integer" ? 1 : "any")}
                  value={value === undefined || value === null ? "" : String(value)}
                  onChange={(e) => set(e.target.value)}
                />
              )
            }
          </Field>
        );
      })}
    </div>
  );
}
