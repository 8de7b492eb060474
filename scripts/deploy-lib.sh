# Helpers shared by the deployment scripts (test-deploy, up, down, bench). Source after lib.sh.

# Stand-in base images the local inventory loads from archives (images/README.md).
DEPLOY_STANDINS=(postgres redis python node nginx)
VPS_IMAGE=trading-bot-vps:bookworm

# deploy_env: Ansible and Molecule state under the repository's cache, not in $HOME.
deploy_env() {
  export TRADING_BOT_CACHE="$CACHE_DIR"
  export ANSIBLE_HOME="$CACHE_DIR/ansible"
  export XDG_CACHE_HOME="$CACHE_DIR/xdg"
  export MOLECULE_EPHEMERAL_DIRECTORY="$CACHE_DIR/molecule"
  export ANSIBLE_CONFIG="$REPO_ROOT/ansible.cfg"
  export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-1}"
  export PATH="$VENV/bin:$PATH"
  mkdir -p "$ANSIBLE_HOME" "$XDG_CACHE_HOME"
}

# ensure_standin_archives: stand-in images saved as archives for the roles to ship and load.
ensure_standin_archives() {
  "$REPO_ROOT/images/save.sh" "${DEPLOY_STANDINS[@]}" "$CACHE_DIR/images" >/dev/null
}

# ensure_vps_image: the systemd "VPS" image (molecule/vps/Dockerfile) on the debian stand-in.
ensure_vps_image() {
  "$REPO_ROOT/images/build.sh" debian >/dev/null
  log "building $VPS_IMAGE"
  DOCKER_BUILDKIT=0 docker build -q -t "$VPS_IMAGE" "$REPO_ROOT/molecule/vps" >"$CACHE_DIR/vps-build.log" 2>&1 \
    || { tail -n 20 "$CACHE_DIR/vps-build.log" >&2; die "building $VPS_IMAGE failed (log above)"; }
}
