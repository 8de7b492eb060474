#!/usr/bin/env bash
# The API's speed through nginx on the `make up` stack (backend/bench/deployed/api_load.py):
# nginx's static index, /api/health and a 50-row order list under wrk at 50 connections, with the
# engine's bar-to-order latency during the load. Needs `make up` first; changes nothing but the
# orders it places for the list (resting buy limits, once).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_apt wrk
deploy_env
[ "$(docker inspect -f '{{.State.Running}}' "$LOCAL_VPS" 2>/dev/null)" = true ] \
  || die "the local VPS $LOCAL_VPS is not running: make up first"
metrics="docker exec $LOCAL_VPS docker exec trading-backend python3 -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8000/api/metrics').read().decode())\""
cd "$REPO_ROOT/backend"
"$VENV/bin/python" bench/deployed/api_load.py "http://127.0.0.1:${TRADING_BOT_WEB_PORT:-3000}" \
  --password-file "$LOCAL_SECRETS/admin-password" --metrics "$metrics" "$@"
