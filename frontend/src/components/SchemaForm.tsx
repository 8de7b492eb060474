/** Inputs generated from a JSON schema, with its bounds shown and enforced before sending. */
import type { JsonSchema, JsonSchemaProperty } from "../api/types";
import { Field } from "./Field";

export type Values = Record<string, unknown>;

interface SchemaField {
  name: string;
  prop: JsonSchemaProperty;
  kind: "integer" | "number" | "boolean" | "enum" | "string";
  /** The schema allows null: an emptied input sends null. */
  nullable: boolean;
}

/** One field per property; pydantic's `anyOf: [X, null]` becomes X marked nullable. */
export function schemaFields(schema: JsonSchema, exclude: string[] = []): SchemaField[] {
  return Object.entries(schema.properties ?? {})
    .filter(([name]) => !exclude.includes(name))
    .flatMap(([name, outer]) => {
      const branches = outer.anyOf ?? [outer];
      const nullable = branches.some((b) => b.type === "null") || (Array.isArray(outer.type) && outer.type.includes("null"));
      const inner = branches.find((b) => b.type !== "null") ?? outer;
      const prop: JsonSchemaProperty = { ...inner, ...outer, anyOf: undefined, type: inner.type };
      const type = Array.isArray(prop.type) ? prop.type.find((t) => t !== "null") : prop.type;
      const kind = prop.enum ? "enum" : type === "integer" || type === "number" || type === "boolean" ? type : type === "string" || type === undefined ? "string" : null;
      return kind ? [{ name, prop, kind, nullable } satisfies SchemaField] : [];
    });
}

export function defaults(schema: JsonSchema, exclude: string[] = []): Values {
  const out: Values = {};
  for (const { name, prop } of schemaFields(schema, exclude)) if (prop.default !== undefined) out[name] = prop.default;
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

const empty = (value: unknown) => value === undefined || value === null || value === "";

/** Returns a message per field that breaks the schema's type or bounds. */
export function validate(schema: JsonSchema, values: Values, exclude: string[] = []): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const { name, prop, kind } of schemaFields(schema, exclude)) {
    const value = values[name];
    const label = prop.title ?? name;
    if (empty(value)) {
      if (schema.required?.includes(name)) errors[name] = `${label} is required`;
      continue;
    }
    if (kind !== "integer" && kind !== "number") continue;
    const n = Number(value);
    if (!Number.isFinite(n)) errors[name] = `${label} must be a number`;
    else if (kind === "integer" && !Number.isInteger(n)) errors[name] = `${label} must be a whole number`;
    else if (prop.minimum !== undefined && n < prop.minimum) errors[name] = `${label} must be at least ${prop.minimum}`;
    else if (prop.maximum !== undefined && n > prop.maximum) errors[name] = `${label} must be at most ${prop.maximum}`;
    else if (prop.exclusiveMinimum !== undefined && n <= prop.exclusiveMinimum) errors[name] = `${label} must be above ${prop.exclusiveMinimum}`;
    else if (prop.exclusiveMaximum !== undefined && n >= prop.exclusiveMaximum) errors[name] = `${label} must be below ${prop.exclusiveMaximum}`;
  }
  return errors;
}

/** Converts the form's strings into the schema's types for sending; an emptied nullable field is null. */
export function coerce(schema: JsonSchema, values: Values, exclude: string[] = []): Values {
  const out: Values = {};
  for (const { name, kind, nullable } of schemaFields(schema, exclude)) {
    const value = values[name];
    if (empty(value)) {
      if (nullable && name in values) out[name] = null;
      continue;
    }
    out[name] = kind === "integer" || kind === "number" ? Number(value) : value;
  }
  return out;
}

interface Props {
  idPrefix: string;
  schema: JsonSchema;
  values: Values;
  errors: Record<string, string>;
  onChange: (values: Values) => void;
  exclude?: string[];
}

export function SchemaForm({ idPrefix, schema, values, errors, onChange, exclude }: Props) {
  const fields = schemaFields(schema, exclude);
  if (fields.length === 0) return <p className="muted">No parameters.</p>;
  return (
    <div className="form-grid">
      {fields.map(({ name, prop, kind, nullable }) => {
        const id = `${idPrefix}-${name}`;
        const value = values[name];
        const set = (v: unknown) => onChange({ ...values, [name]: v });
        const hint = [boundsHint(prop), nullable ? "empty = none" : null].filter(Boolean).join(" · ") || undefined;
        return (
          <Field key={name} id={id} label={prop.title ?? name} error={errors[name]} hint={hint}>
            {(aria) =>
              kind === "boolean" ? (
                <input {...aria} type="checkbox" name={name} checked={Boolean(value)} onChange={(e) => set(e.target.checked)} />
              ) : kind === "enum" ? (
                <select {...aria} name={name} value={String(value ?? "")} onChange={(e) => set(e.target.value)}>
                  {(prop.enum ?? []).map((option) => (
                    <option key={String(option)} value={String(option)}>
                      {String(option)}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  {...aria}
                  name={name}
                  type={kind === "string" ? "text" : "number"}
                  min={prop.minimum}
                  max={prop.maximum}
                  step={prop.multipleOf ?? (kind === "integer" ? 1 : "any")}
                  value={empty(value) ? "" : String(value)}
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
