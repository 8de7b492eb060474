#!/usr/bin/env bash
# The `make up` stack tried as a hostile outsider would, through nginx (backend/bench/deployed/hostile.py):
# schemathesis over every operation, hand-made bad inputs, forged tokens, X-Forwarded-For spoofing
# from the VPS itself; with --faults also each container killed and Docker restarted, timed until
# /api/health answers 200 again. Needs `make up` first; it writes orders, strategy instances, risk
# settings and backtests into that throwaway stack (the fuzzer may also stop the engine).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
deploy_env
[ "$(docker inspect -f '{{.State.Running}}' "$LOCAL_VPS" 2>/dev/null)" = true ] \
  || die "the local VPS $LOCAL_VPS is not running: make up first"
cd "$REPO_ROOT/backend"
"$VENV/bin/python" -m bench.deployed.hostile "http://127.0.0.1:${TRADING_BOT_WEB_PORT:-3000}" \
  --password-file "$LOCAL_SECRETS/admin-password" --vps "$LOCAL_VPS" "$@"
