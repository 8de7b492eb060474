#!/usr/bin/env bash
# `make up`: the full stack on a throwaway VPS container on this machine, deployed by the same
# Ansible roles as a real server (site.yml), then the URL and the login.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_docker
deploy_env
ensure_standin_archives
ensure_vps_image
ensure_local_vault
start_local_vps
log "deploying with ansible-playbook site.yml"
deploy_local
cat <<DONE

  trading-bot is up: http://127.0.0.1:${TRADING_BOT_WEB_PORT:-3000}
  log in as admin with the password: $(cat "$LOCAL_SECRETS/admin-password")
  API: http://127.0.0.1:${TRADING_BOT_API_PORT:-8000}/api/health   logs: docker exec $LOCAL_VPS journalctl -u trading-backend
  remove it all: make down

DONE
