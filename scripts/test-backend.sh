#!/usr/bin/env bash
# Backend checks: ruff, mypy (strict for app/), the import contract, then pytest on real PostgreSQL and Redis.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_services_packages
ensure_venv
cd "$REPO_ROOT/backend"
log "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
log "mypy"
"$VENV/bin/mypy"
log "import contract (the rooms' layer order, in pyproject.toml)"
"$VENV/bin/lint-imports" --no-cache
log "pytest"
# pytest exits 5 when it collected no test: that fails this stage like any other non-zero exit.
"$VENV/bin/pytest" -p no:cacheprovider "$@"
