/** JSON schemas of request bodies, read from the backend's own OpenAPI document at run time. */
import { request } from "./client";
import type { JsonSchema } from "./types";

interface OpenApi {
  components?: { schemas?: Record<string, JsonSchema> };
}

let document: Promise<OpenApi> | null = null;

/** The named component schema; the document is fetched once per page load. */
export async function componentSchema(name: string): Promise<JsonSchema> {
  document ??= request<OpenApi>("/openapi.json").catch((error: unknown) => {
    document = null;
    throw error;
  });
  const schema = (await document).components?.schemas?.[name];
  if (!schema) throw new Error(`The API's OpenAPI document has no schema named ${name}.`);
  return schema;
}

/** Forgets the cached document (tests, or after a backend upgrade). */
export function resetSchemas(): void {
  document = null;
}
