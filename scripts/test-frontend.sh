#!/usr/bin/env bash
# Frontend checks: npm ci, eslint, tsc, vitest, the production build, the login page's JS budget,
# and (when the backend imports) that the dashboard type-checks against the backend's OpenAPI spec.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
command -v npm >/dev/null 2>&1 || die "npm is missing: the frontend needs Node >= 20 with npm"
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || die "Node $(node --version) is too old: Vite 7 needs Node >= 20"
cd "$REPO_ROOT/frontend"

log "npm ci"
npm ci --no-audit --no-fund --loglevel=error

if [ -f "$REPO_ROOT/backend/app/main.py" ]; then
  # The committed spec and types should match the backend. A difference fails only when the
  # frontend no longer type-checks against the backend's current spec (or OPENAPI_STRICT=1),
  # so documentation-only API changes don't turn this stage red before the spec is refreshed.
  log "the dashboard against the backend's current OpenAPI spec"
  ensure_venv
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$REPO_ROOT/backend" && "$VENV/bin/python" -c \
    "import json; from app.main import api; print(json.dumps(api.openapi(), indent=1))") > "$tmp/openapi.json"
  if ! diff -q "$tmp/openapi.json" openapi.json >/dev/null; then
    [ "${OPENAPI_STRICT:-0}" = 1 ] && die "frontend/openapi.json is stale: run 'npm run openapi' in frontend/ and commit both files"
    mkdir -p "$tmp/fe"
    cp -r src tsconfig.json vite.config.ts "$tmp/fe/"
    ln -s "$PWD/node_modules" "$tmp/fe/node_modules"
    npx openapi-typescript "$tmp/openapi.json" -o "$tmp/fe/src/api/schema.d.ts" >/dev/null 2>&1
    (cd "$tmp/fe" && npx tsc --noEmit -p .) \
      || die "the dashboard does not type-check against the backend's current API (errors above): adapt src/api/, then 'npm run openapi'"
    echo "note: frontend/openapi.json differs from the backend's spec but the dashboard still type-checks against it; refresh with 'npm run openapi'" >&2
  fi
fi

log "eslint"
npx eslint --max-warnings=0 .
log "tsc --noEmit"
npx tsc --noEmit
log "vitest (the fake API checks every request against the backend's OpenAPI document)"
ensure_venv
OPENAPI_PYTHON="$VENV/bin/python" npx vitest run
log "vite build"
npx vite build --logLevel warn
log "login page JS budget"
node scripts/check-size.mjs
