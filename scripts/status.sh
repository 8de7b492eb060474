#!/usr/bin/env bash
# `make status`: the read-only report of playbooks/status.yml for the local VPS of `make up`.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_docker
deploy_env
[ "$(docker inspect -f '{{.State.Running}}' "$LOCAL_VPS" 2>/dev/null)" = true ] \
  || die "the local VPS container $LOCAL_VPS is not running: start it with make up"
ansible-playbook -i "$REPO_ROOT/inventory/local/hosts.yml" "$REPO_ROOT/playbooks/status.yml" "$@"
