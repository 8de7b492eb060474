#!/usr/bin/env bash
# Deployment checks: yamllint, ansible-lint (production profile), the placeholder-secret refusal,
# then `molecule test` (a throwaway systemd VPS: create, prepare, converge, idempotence, verify, destroy).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_docker
deploy_env
cd "$REPO_ROOT"

log "yamllint"
yamllint --strict .
log "ansible-lint (production profile)"
ansible-lint --profile production --strict site.yml playbooks roles molecule

log "a production inventory with placeholder secrets is refused, naming the variable"
out=$(ansible-playbook -i inventory/production site.yml --limit vps1 -c local \
  -e @inventory/production/group_vars/all/vault.yml.example 2>&1) && die "placeholder secrets were accepted"
grep -q "vault_postgres_password holds a placeholder" <<<"$out" || { echo "$out" >&2; die "refusal did not name the variable"; }

ensure_standin_archives
ensure_vps_image
log "snapshot of the committed backend/ and frontend/ to build from"
snapshot_sources
trap 'rm -rf "$TRADING_BOT_SRC"' EXIT
log "molecule test"
molecule test "$@"
