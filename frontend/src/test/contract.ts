/** Checks each request the fake API receives against the backend's OpenAPI document, as the API would. */
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { inject } from "vitest";

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: object;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, unknown> };
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
}

/** Served by FastAPI itself, so absent from its own paths. */
const OUTSIDE_SPEC = new Set(["GET /api/openapi.json"]);

const spec = inject("openapi") as unknown as Spec;
// Formats (date-time, binary...) are the server's business; the shape and bounds are checked here.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema(spec, "openapi");
const compiled = new Map<string, ValidateFunction>();

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

function validator(ref: string): ValidateFunction {
  let fn = compiled.get(ref);
  if (!fn) {
    fn = ajv.compile({ $ref: `openapi#/${ref}` });
    compiled.set(ref, fn);
  }
  return fn;
}

function match(path: string): [string, Record<string, Operation>] | null {
  for (const [template, operations] of Object.entries(spec.paths)) {
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`);
    if (pattern.test(path)) return [template, operations];
  }
  return null;
}

function errorsOf(fn: ValidateFunction, value: unknown, where: string): string[] {
  if (fn(value)) return [];
  return (fn.errors ?? []).map((e) => `${where}${e.instancePath || ""} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
}

function formObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  form.forEach((value, key) => {
    out[key] = typeof value === "string" ? value : `<file ${value.name}>`;
  });
  return out;
}

/** The problems the backend would have with this request; empty when it conforms to the spec. */
export function violations(method: string, url: URL, body: unknown): string[] {
  const route = `${method} ${url.pathname}`;
  if (OUTSIDE_SPEC.has(route)) return [];
  const found = match(url.pathname);
  const operation = found?.[1][method.toLowerCase()];
  if (!found || !operation) return [`${route}: no such operation in the API`];
  const [template] = found;
  const problems: string[] = [];
  (operation.parameters ?? []).forEach((param, i) => {
    if (param.in !== "query") return;
    const raw = url.searchParams.getAll(param.name);
    if (!raw.length) {
      if (param.required) problems.push(`query ${param.name} is required`);
      return;
    }
    const fn = validator(pointer("paths", template, method.toLowerCase(), "parameters", String(i), "schema"));
    const typed = raw.map((v) => (v !== "" && !Number.isNaN(Number(v)) ? Number(v) : v === "true" ? true : v === "false" ? false : v));
    const candidates = [typed.length > 1 ? typed : typed[0], raw.length > 1 ? raw : raw[0], typed];
    if (!candidates.some((c) => fn(c))) problems.push(...errorsOf(fn, candidates[0], `query ${param.name}`));
  });
  const content = operation.requestBody?.content ?? {};
  if (body instanceof FormData) {
    if (!("multipart/form-data" in content)) problems.push(`${route} does not take multipart/form-data`);
    else problems.push(...errorsOf(validator(pointer("paths", template, method.toLowerCase(), "requestBody", "content", "multipart/form-data", "schema")), formObject(body), "form"));
  } else if (body !== undefined && body !== null) {
    if (!("application/json" in content)) problems.push(`${route} takes no JSON body`);
    else problems.push(...errorsOf(validator(pointer("paths", template, method.toLowerCase(), "requestBody", "content", "application/json", "schema")), body, "body"));
  } else if (operation.requestBody?.required) {
    problems.push(`${route} needs a request body`);
  }
  return problems.map((p) => `${route}: ${p}`);
}
