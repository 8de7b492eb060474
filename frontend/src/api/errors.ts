/** One error type for every failed call, carrying the API's own code, message and details. */

export interface ApiErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  readonly retryAfter: number | null;

  constructor(status: number, body: ApiErrorBody, retryAfter: number | null = null) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code;
    this.details = body.details;
    this.retryAfter = retryAfter;
  }

  /** True when the server could not be reached at all (status 0): the UI offers a retry. */
  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** Messages per input field, from validation details that name the field. */
  fieldErrors(): Record<string, string> {
    return fieldErrorsOf(this.details);
  }
}

interface FieldDetail {
  field?: unknown;
  loc?: unknown;
  msg?: unknown;
  message?: unknown;
}

function fieldName(item: FieldDetail): string | null {
  if (typeof item.field === "string") return item.field;
  if (Array.isArray(item.loc)) {
    const parts = item.loc.filter((p) => p !== "body" && p !== "query" && p !== "path");
    const last = parts[parts.length - 1];
    return last === undefined ? null : String(last);
  }
  return null;
}

/** Accepts a list of {field|loc, message|msg} or a {field: message} object. */
export function fieldErrorsOf(details: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(details)) {
    for (const raw of details) {
      if (typeof raw !== "object" || raw === null) continue;
      const item = raw as FieldDetail;
      const name = fieldName(item);
      const message = typeof item.message === "string" ? item.message : item.msg;
      if (name && typeof message === "string" && !(name in out)) out[name] = message;
    }
  } else if (typeof details === "object" && details !== null) {
    const nested = (details as { errors?: unknown; fields?: unknown }).errors ?? (details as { fields?: unknown }).fields;
    if (nested !== undefined) return fieldErrorsOf(nested);
    for (const [key, value] of Object.entries(details)) {
      if (typeof value === "string") out[key] = value;
    }
  }
  return out;
}

/** Builds an ApiError from any response, even one whose body is not the documented shape. */
export async function errorFromResponse(response: Response): Promise<ApiError> {
  const retryHeader = response.headers.get("Retry-After");
  const retryAfter = retryHeader === null ? null : Number(retryHeader) || null;
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = (body as { error?: Partial<ApiErrorBody> } | null)?.error;
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, { code: error.code ?? "error", message: error.message, details: error.details }, retryAfter);
  }
  const detail = (body as { detail?: unknown } | null)?.detail;
  const message = typeof detail === "string" ? detail : `${response.status} ${response.statusText || "error"}`.trim();
  return new ApiError(response.status, { code: `http_${response.status}`, message, details: detail }, retryAfter);
}
