// Prints the gzipped JavaScript the login page loads before it can be used and fails over budget.
// "Loads" = the entry chunk, the login route's chunk, and every chunk they import statically.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = Number(process.env.LOGIN_JS_BUDGET_KB ?? 250);
const dist = new URL("../dist/", import.meta.url).pathname;
const manifest = JSON.parse(readFileSync(join(dist, ".vite/manifest.json"), "utf8"));

const roots = ["index.html", "src/pages/LoginPage.tsx"];
const files = new Set();
function collect(key) {
  const chunk = manifest[key];
  if (!chunk) throw new Error(`manifest has no entry '${key}': was the login page renamed?`);
  if (files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const imported of chunk.imports ?? []) collect(imported);
}
roots.forEach(collect);

let total = 0;
for (const file of [...files].sort()) {
  const size = gzipSync(readFileSync(join(dist, file))).length;
  total += size;
  console.log(`  ${(size / 1024).toFixed(1).padStart(7)} KB  ${file}`);
}
const kb = total / 1024;
console.log(`login page initial JS: ${kb.toFixed(1)} KB gzip (budget ${BUDGET_KB} KB)`);
if (kb > BUDGET_KB) {
  console.error(`error: the login page's initial JS is ${kb.toFixed(1)} KB gzip, over the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
