#!/usr/bin/env bash
# Deployment benchmarks: a cold `make up`, a no-change re-run of site.yml (target: < 60 s, zero
# changed), a redeploy after a backend code change and a rollback, each under load through nginx
# (target: 0 failed requests, no Socket.IO gap over 5 s), and the memory at rest (target: < 600 MB).
# Builds from the committed code (a snapshot). Leaves the local VPS running at the end (`make down` removes it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_docker
deploy_env
export ANSIBLE_FORCE_COLOR=0

# changed_count LOG: the "changed=" figure of the play recap.
changed_count() { grep -E '^trading-bot-vps +:' "$1" | tail -n 1 | sed -E 's/.*changed=([0-9]+).*/\1/'; }

# vps_rss_mib: resident memory of the whole VPS container (engine, systemd, journald, the four
# containers), from its cgroup: page cache left out, as the kernel gives it back under pressure.
vps_rss_mib() {
  local id file
  id=$(docker inspect -f '{{.Id}}' "$LOCAL_VPS")
  for file in "/sys/fs/cgroup/memory/docker/$id/memory.stat" "/sys/fs/cgroup/system.slice/docker-$id.scope/memory.stat"; do
    if [ -f "$file" ]; then
      awk '$1 == "total_rss" || $1 == "anon" { printf "%.1f", $2 / 1048576; exit }' "$file"
      return
    fi
  done
  echo "n/a"
}

# under_load RESULT CMD...: runs CMD while requests and a Socket.IO client go through nginx
# (molecule/default/tests/redeploy_load.py); its JSON figures land in RESULT.
under_load() {
  local result=$1 stop="$work/load.stop" token status=0 loader
  shift
  token=$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$(cat "$LOCAL_SECRETS/admin-password")\"}" \
    "http://127.0.0.1:${TRADING_BOT_WEB_PORT:-3000}/api/auth/login" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
  rm -f "$stop"
  "$VENV/bin/python" "$REPO_ROOT/molecule/default/tests/redeploy_load.py" \
    "http://127.0.0.1:${TRADING_BOT_WEB_PORT:-3000}" "$token" "$stop" >"$result" &
  loader=$!
  "$@" || status=$?
  touch "$stop"
  wait "$loader"
  return "$status"
}

# load_figures RESULT: requests, failed, longest Socket.IO gap of a load run.
load_figures() {
  "$VENV/bin/python" - "$1" <<'PY'
import json, sys
f = json.load(open(sys.argv[1]))
print(f"{f['requests']} requests, {f['failed']} failed, {f['disconnects']} Socket.IO disconnects, "
      f"longest gap {f['longest_gap_s']} s")
PY
}

# seconds_since START_NS: seconds elapsed, one decimal.
seconds_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# mebibytes TEXT: "112.9MiB" / "1.2GiB" / "900KiB" -> MiB.
to_mib() {
  awk '{ v=$1; u=$1; sub(/[A-Za-z]+$/, "", v); sub(/^[0-9.]+/, "", u);
         f = (u=="GiB") ? 1024 : (u=="KiB" || u=="kB") ? 1/1024 : (u=="B") ? 1/1048576 : 1;
         printf "%.1f", v * f }'
}

work=$(mktemp -d)
snapshot_sources
trap 'rm -rf "$work" "$TRADING_BOT_SRC"' EXIT

log "cold make up (no VPS container; stand-in archives and the VPS image as cached on this machine)"
"$REPO_ROOT/scripts/down.sh"
start=$(date +%s%N)
"$REPO_ROOT/scripts/up.sh" >"$work/cold.log" 2>&1 || { tail -n 40 "$work/cold.log"; die "make up failed"; }
cold=$(seconds_since "$start")

log "no-change re-run of site.yml"
start=$(date +%s%N)
deploy_local >"$work/rerun.log" 2>&1 || { tail -n 40 "$work/rerun.log"; die "re-run failed"; }
rerun=$(seconds_since "$start")

log "redeploy after a backend code change (the committed backend/ plus one new module), under load"
cp -a "$TRADING_BOT_SRC/backend" "$work/backend"
echo "\"\"\"Benchmark marker: changes the build context.\"\"\" # $(date +%s%N)" >"$work/backend/app/_bench_marker.py"
start=$(date +%s%N)
under_load "$work/redeploy-load.json" deploy_local -e "backend_build_src=$work/backend" >"$work/redeploy.log" 2>&1 \
  || { tail -n 40 "$work/redeploy.log"; die "redeploy failed"; }
redeploy=$(seconds_since "$start")

log "rollback to the previous release (kept image, no build), under load"
start=$(date +%s%N)
under_load "$work/rollback-load.json" ansible-playbook -i "$REPO_ROOT/inventory/local/hosts.yml" \
  "$REPO_ROOT/playbooks/rollback.yml" -e "@$LOCAL_SECRETS/vault.yml" \
  --vault-password-file "$LOCAL_SECRETS/vault-password" >"$work/rollback.log" 2>&1 \
  || { tail -n 40 "$work/rollback.log"; die "rollback failed"; }
rollback=$(seconds_since "$start")

log "memory at rest (30 s after the redeploy)"
sleep 30
containers=0
while read -r name usage; do
  mib=$(echo "$usage" | to_mib)
  printf '  %-18s %8s MiB\n' "$name" "$mib"
  containers=$(awk -v a="$containers" -v b="$mib" 'BEGIN { printf "%.1f", a + b }')
done < <(docker exec "$LOCAL_VPS" docker stats --no-stream --format '{{.Name}} {{.MemUsage}}' | awk '{print $1, $2}')
vps=$(vps_rss_mib)

printf '\n%-52s %10s\n' "figure" "value"
printf '%-52s %9.1fs\n' "cold make up" "$cold"
printf '%-52s %9.1fs  (changed=%s; target < 60 s, 0)\n' "no-change re-run of site.yml" "$rerun" "$(changed_count "$work/rerun.log")"
printf '%-52s %9.1fs  (changed=%s)\n' "redeploy after a backend code change" "$redeploy" "$(changed_count "$work/redeploy.log")"
printf '%-52s %s (target: 0 failed, gap < 5 s)\n' "  under load during the redeploy" "$(load_figures "$work/redeploy-load.json")"
printf '%-52s %9.1fs  (target < 60 s, no build)\n' "rollback to the previous release" "$rollback"
printf '%-52s %s\n' "  under load during the rollback" "$(load_figures "$work/rollback-load.json")"
printf '%-52s %8.1fMiB (target < 600 MB)\n' "memory at rest: the four containers" "$containers"
printf '%-52s %8sMiB (resident, without page cache)\n' "memory at rest: the whole VPS (engine, systemd, ...)" "$vps"
