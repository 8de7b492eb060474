#!/usr/bin/env bash
# Frontend checks: npm ci, eslint, tsc, vitest, the production build, the login page's JS budget,
# and (when the backend imports) that the committed OpenAPI spec and generated types are current.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
command -v npm >/dev/null 2>&1 || die "npm is missing: the frontend needs Node >= 20 with npm"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || die "Node $(node --version) is too old: Vite 7 needs Node >= 20"
cd "$REPO_ROOT/frontend"

log "npm ci"
npm ci --no-audit --no-fund --loglevel=error

if [ -f "$REPO_ROOT/backend/app/main.py" ]; then
  log "OpenAPI spec and generated types are up to date"
  ensure_venv
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$REPO_ROOT/backend" && "$VENV/bin/python" -c \
    "import json; from app.main import api; print(json.dumps(api.openapi(), indent=1))") > "$tmp/openapi.json"
  diff -q "$tmp/openapi.json" openapi.json >/dev/null \
    || die "frontend/openapi.json is stale: run 'npm run openapi' in frontend/ and commit it"
  npx openapi-typescript "$tmp/openapi.json" -o "$tmp/schema.d.ts" >/dev/null 2>&1
  diff -q "$tmp/schema.d.ts" src/api/schema.d.ts >/dev/null \
    || die "frontend/src/api/schema.d.ts is stale: run 'npm run gen:api' in frontend/ and commit it"
fi

log "eslint"
npx eslint --max-warnings=0 .
log "tsc --noEmit"
npx tsc --noEmit
log "vitest"
npx vitest run
log "vite build"
npx vite build --logLevel warn
log "login page JS budget"
node scripts/check-size.mjs
