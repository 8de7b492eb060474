/** Vitest global setup: the backend's OpenAPI document, generated from the app for this run (never a copy). */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { TestProject } from "vitest/node";

const BACKEND = resolve(__dirname, "../../../backend");
const PYTHON = process.env.OPENAPI_PYTHON ?? resolve(BACKEND, "../.venv/bin/python");
const SCRIPT = "import json; from app.main import api; print(json.dumps(api.openapi()))";

export default function setup(project: TestProject): void {
  if (!existsSync(PYTHON)) {
    throw new Error(`no Python at ${PYTHON} to generate the backend's OpenAPI document: build the .venv (scripts/lib.sh ensure_venv) or set OPENAPI_PYTHON`);
  }
  const text = execFileSync(PYTHON, ["-c", SCRIPT], { cwd: BACKEND, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  project.provide("openapi", JSON.parse(text) as Record<string, unknown>);
}

declare module "vitest" {
  export interface ProvidedContext {
    openapi: Record<string, unknown>;
  }
}
