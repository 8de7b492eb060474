/** Small helpers the forms share: labels from keys, API field errors split by form part. */

export function humanize(key: string): string {
  const text = key.replace(/_/g, " ").replace(/\bpct\b/, "%").replace(/\busd\b/i, "($)");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Splits API field errors into the form's own fields and its params ("params.fast" -> "fast"). */
export function splitFieldErrors(fields: Record<string, string>): { form: Record<string, string>; params: Record<string, string> } {
  const form: Record<string, string> = {};
  const params: Record<string, string> = {};
  for (const [key, message] of Object.entries(fields)) {
    if (key.startsWith("params.")) params[key.slice("params.".length)] = message;
    else form[key] = message;
  }
  return { form, params };
}

/** The errors of one nested object, keys without the prefix: ("config", {"config.cash": m}) -> {cash: m}. */
export function fieldsUnder(fields: Record<string, string>, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, message] of Object.entries(fields)) if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = message;
  return out;
}
