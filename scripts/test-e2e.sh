#!/usr/bin/env bash
# End to end: the built SPA behind nginx (the project's site template, pointed at a local backend),
# the real backend on throwaway PostgreSQL + Redis with the simulated market, and Chromium
# driven by playwright-core. Screenshots land in artifacts/screenshots/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_services_packages
ensure_apt chromium nginx-light
ensure_venv
command -v npm >/dev/null 2>&1 || die "npm is missing: the frontend needs Node >= 20 with npm"

work=$(mktemp -d /tmp/tb-e2e.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  local rc=$?
  # Newest first: nginx, then the backend, and the database servers last so the backend shuts down cleanly.
  for (( i=${#pids[@]}-1; i>=0; i-- )); do
    kill "${pids[i]}" 2>/dev/null || true
    wait "${pids[i]}" 2>/dev/null || true
  done
  if [ $rc -ne 0 ]; then
    for log in backend nginx-error; do
      [ -f "$work/$log.log" ] && { echo "---- last lines of $log.log ----" >&2; tail -n 40 "$work/$log.log" >&2; }
    done
  fi
  rm -rf "$work"
  exit $rc
}
trap cleanup EXIT INT TERM

free_port() { "$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # URL SECONDS WHAT
  for _ in $(seq 1 $(( $2 * 10 ))); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.1; done
  die "$3 did not answer at $1 within $2 s"
}

log "PostgreSQL and Redis (the backend tests' throwaway servers)"
backend_port=$(free_port); web_port=$(free_port)
(cd "$REPO_ROOT/backend" && exec "$VENV/bin/python" -m tests.support.serve "$work/services.env") &
pids+=($!)
for _ in $(seq 1 600); do [ -f "$work/services.env" ] && break; kill -0 "${pids[-1]}" 2>/dev/null || break; sleep 0.1; done
[ -f "$work/services.env" ] || die "PostgreSQL and Redis did not start within 60 s"

log "backend on the simulated market"
password="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ENVIRONMENT=development LOG_LEVEL=INFO
set -a
# shellcheck source=/dev/null  # written by tests.support.serve: DATABASE_URL and REDIS_URL
. "$work/services.env"
set +a
TOKEN_SECRET="e2e-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export TOKEN_SECRET
export ADMIN_USERNAME=admin
ADMIN_PASSWORD_HASH=$(cd "$REPO_ROOT/backend" && printf '%s\n' "$password" | "$VENV/bin/python" -m app.cli hash-password --stdin)
export ADMIN_PASSWORD_HASH
# A fast simulated market so prices, fills and equity move within seconds.
export ENGINE_AUTOSTART=true SIM_SPEED=600 ENGINE_POLL_SECONDS=0.5 ENGINE_EQUITY_SECONDS=1 ENGINE_SEED_SYMBOLS=SIMA,SIMB
unset ALPACA_API_KEY ALPACA_SECRET_KEY
# The README's example strategy file of one's own, loaded beside the built-ins.
export STRATEGIES_DIR="$REPO_ROOT/strategies"
(cd "$REPO_ROOT/backend" && "$VENV/bin/alembic" upgrade head >"$work/alembic.log" 2>&1) \
  || { cat "$work/alembic.log" >&2; die "alembic upgrade failed"; }
(cd "$REPO_ROOT/backend" && exec "$VENV/bin/uvicorn" app.main:app --host 127.0.0.1 --port "$backend_port" >"$work/backend.log" 2>&1) &
pids+=($!)
wait_http "http://127.0.0.1:$backend_port/api/health" 60 "the backend"

log "building the SPA"
cd "$REPO_ROOT/frontend"
npm ci --no-audit --no-fund --loglevel=error
npx vite build --logLevel warn

log "nginx with the project's site"
mkdir -p "$work/nginx"
# The deployment's site template, rendered with what differs on this machine: the address, the
# web root, the log and the backend (no Docker here). Nothing else is adapted: e.g. a browser's
# WebSocket carries `Origin: http://host:port`, and Socket.IO answers 403 unless the Host nginx
# forwards has that port too (`proxy_set_header Host $http_host`).
"$VENV/bin/python" "$REPO_ROOT/scripts/render_nginx_site.py" \
  frontend_listen_address=127.0.0.1 frontend_container_port="$web_port" \
  frontend_web_root="$REPO_ROOT/frontend/dist" frontend_access_log="$work/nginx-access.log" \
  frontend_backend_server="127.0.0.1:$backend_port" > "$work/nginx/site.conf"
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 256; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log $work/nginx-access.log;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  include $work/nginx/site.conf;
}
CONF
nginx -t -c "$work/nginx/nginx.conf" -p "$work/nginx" >/dev/null 2>&1 || nginx -t -c "$work/nginx/nginx.conf" -p "$work/nginx"
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" -g "daemon off;" &
pids+=($!)
wait_http "http://127.0.0.1:$web_port/" 20 "nginx"

log "browser run"
rm -rf "$REPO_ROOT/artifacts/screenshots" && mkdir -p "$REPO_ROOT/artifacts/screenshots"
E2E_BASE_URL="http://127.0.0.1:$web_port" E2E_USERNAME=admin E2E_PASSWORD="$password" \
  E2E_SCREENSHOTS="$REPO_ROOT/artifacts/screenshots" CHROMIUM_PATH=/usr/bin/chromium \
  node e2e/run.mjs
