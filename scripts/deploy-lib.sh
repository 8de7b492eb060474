# shellcheck shell=bash disable=SC2034  # sourced: its variables serve the scripts that source it
# Helpers shared by the deployment scripts (test-deploy, up, down, bench). Source after lib.sh.

# Stand-in base images the local inventory loads from archives (images/README.md).
DEPLOY_STANDINS=(postgres redis python node nginx)
VPS_IMAGE=trading-bot-vps:bookworm

# deploy_env: Ansible and Molecule state under the repository's cache, not in $HOME.
deploy_env() {
  export TRADING_BOT_CACHE="$CACHE_DIR"
  export ANSIBLE_HOME="$CACHE_DIR/ansible"
  export XDG_CACHE_HOME="$CACHE_DIR/xdg"
  export MOLECULE_EPHEMERAL_DIRECTORY="${MOLECULE_EPHEMERAL_DIRECTORY:-$CACHE_DIR/molecule}"
  export ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg"
  export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-1}"
  export PATH="$VENV/bin:$PATH"
  mkdir -p "$ANSIBLE_HOME" "$XDG_CACHE_HOME"
}

# ensure_standin_archives: stand-in images saved as archives for the roles to ship and load.
ensure_standin_archives() {
  "$REPO_ROOT/images/save.sh" "${DEPLOY_STANDINS[@]}" "$CACHE_DIR/images" >/dev/null
}

# ensure_vps_image [SUITE]: the systemd "VPS" image (molecule/vps/Dockerfile) on the debian stand-in
# of SUITE (bookworm, the default, or trixie), tagged trading-bot-vps:SUITE.
ensure_vps_image() {
  local suite=${1:-bookworm}
  TRADING_BOT_DEBIAN_SUITE=$suite "$REPO_ROOT/images/build.sh" debian >/dev/null
  log "building trading-bot-vps:$suite"
  DOCKER_BUILDKIT=0 docker build -q --build-arg "BASE=trading-bot-standin/debian:$suite" \
    -t "trading-bot-vps:$suite" "$REPO_ROOT/molecule/vps" >"$CACHE_DIR/vps-build.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/vps-build.log" >&2; die "building trading-bot-vps:$suite failed (log above)"; }
}

LOCAL_VPS=trading-bot-vps
LOCAL_SECRETS="$CACHE_DIR/local"

# ensure_local_vault: random secrets for the local VPS, in a vault whose password stays in the cache.
ensure_local_vault() {
  local admin_password
  mkdir -p "$LOCAL_SECRETS"
  chmod 700 "$LOCAL_SECRETS"
  [ -f "$LOCAL_SECRETS/vault.yml" ] && return 0
  log "generating the local VPS secrets in $LOCAL_SECRETS"
  umask 077
  openssl rand -hex 24 >"$LOCAL_SECRETS/vault-password"
  admin_password=$(openssl rand -hex 8)
  echo "$admin_password" >"$LOCAL_SECRETS/admin-password"
  cat >"$LOCAL_SECRETS/vault.yml" <<VAULT
vault_postgres_password: $(openssl rand -hex 24)
vault_redis_password: $(openssl rand -hex 24)
vault_alpaca_api_key: ""
vault_alpaca_secret_key: ""
vault_admin_password_hash: '$(echo "$admin_password" | (cd "$REPO_ROOT/backend" && "$VENV/bin/python" -m app.cli hash-password --stdin))'
vault_token_secret: $(openssl rand -hex 32)
VAULT
  ansible-vault encrypt --vault-password-file "$LOCAL_SECRETS/vault-password" "$LOCAL_SECRETS/vault.yml" >/dev/null
}

# start_local_vps: the throwaway VPS container, its web ports published on this machine's loopback.
start_local_vps() {
  local web_port=${TRADING_BOT_WEB_PORT:-3000} api_port=${TRADING_BOT_API_PORT:-8000}
  if [ "$(docker inspect -f '{{.State.Running}}' "$LOCAL_VPS" 2>/dev/null)" != true ]; then
    docker rm -f -v "$LOCAL_VPS" >/dev/null 2>&1 || true
    log "starting the local VPS container $LOCAL_VPS"
    docker run -d --name "$LOCAL_VPS" --hostname "$LOCAL_VPS" \
      --cap-add ALL --cap-drop SYS_RESOURCE \
      --security-opt seccomp=unconfined --security-opt apparmor=unconfined --security-opt label=disable \
      --cgroupns host -v /sys/fs/cgroup:/sys/fs/cgroup:rw -v /var/lib/docker \
      --tmpfs /run --tmpfs /run/lock --tmpfs /tmp --stop-signal SIGRTMIN+3 \
      -p "127.0.0.1:$web_port:3000" -p "127.0.0.1:$api_port:8000" \
      "$VPS_IMAGE" >/dev/null
  fi
  for _ in $(seq 1 60); do
    case "$(docker exec "$LOCAL_VPS" systemctl is-system-running 2>/dev/null)" in
      running | degraded) return 0 ;;
    esac
    sleep 0.5
  done
  die "the local VPS container did not boot within 30 s (docker logs $LOCAL_VPS)"
}

# deploy_local [ANSIBLE-PLAYBOOK ARGS...]: site.yml onto the local VPS with its vault; with
# TRADING_BOT_SRC set, the images are built from that snapshot instead of the checkout.
deploy_local() {
  local sources=()
  if [ -n "${TRADING_BOT_SRC:-}" ]; then
    sources=(-e "backend_build_src=$TRADING_BOT_SRC/backend" -e "frontend_build_src=$TRADING_BOT_SRC/frontend")
  fi
  ansible-playbook -i "$REPO_ROOT/inventory/local/hosts.yml" "$REPO_ROOT/site.yml" \
    -e "@$LOCAL_SECRETS/vault.yml" --vault-password-file "$LOCAL_SECRETS/vault-password" "${sources[@]}" "$@"
}

# snapshot_sources: the committed backend/ and frontend/ in a temporary directory (TRADING_BOT_SRC),
# so edits made in the checkout during a run cannot change what is built.
snapshot_sources() {
  TRADING_BOT_SRC=$(mktemp -d)
  git -C "$REPO_ROOT" archive HEAD backend frontend | tar -x -C "$TRADING_BOT_SRC"
  export TRADING_BOT_SRC
}
