#!/usr/bin/env bash
# Deployment checks: ruff on the testinfra tests, yamllint, ansible-lint (production profile), the
# placeholder-secret refusal, then `molecule test` on a throwaway systemd VPS (create, prepare,
# converge, idempotence, verify, destroy): every test on Debian 12 (scenario default), the stack
# tests on Debian 13 (scenario trixie); when the verifier fails, what failed is repeated last.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_venv
ensure_docker
deploy_env
cd "$REPO_ROOT"

log "ruff (Molecule's testinfra tests)"
ruff check --config molecule/ruff.toml molecule
ruff format --check --config molecule/ruff.toml molecule
log "ruff and pytest (the real-VM check's tooling)"
ruff check --config tests/vm/ruff.toml tests/vm scripts/vm_check.py
ruff format --check --config tests/vm/ruff.toml tests/vm scripts/vm_check.py
(cd tests/vm && pytest -q)
log "yamllint"
yamllint --strict .
log "ansible-lint (production profile)"
ansible-lint --profile production --strict site.yml playbooks roles molecule

log "a production inventory with placeholder secrets is refused, naming the variable"
out=$(ansible-playbook -i inventory/production site.yml --limit vps1 -c local \
  -e @inventory/production/group_vars/all/vault.yml.example 2>&1) && die "placeholder secrets were accepted"
grep -q "vault_postgres_password holds a placeholder" <<<"$out" || { echo "$out" >&2; die "refusal did not name the variable"; }

ensure_standin_archives
ensure_vps_image bookworm
ensure_vps_image trixie
log "snapshot of the committed backend/ and frontend/ to build from"
snapshot_sources
output=$(mktemp)
trap 'rm -rf "$TRADING_BOT_SRC" "$output"' EXIT

# molecule_test SCENARIO [ARGS...]: one scenario in its own state directory.
molecule_test() {
  local scenario=$1 start=$SECONDS
  shift
  log "molecule test -s $scenario"
  if ! MOLECULE_EPHEMERAL_DIRECTORY="$CACHE_DIR/molecule-$scenario" molecule test -s "$scenario" "$@" 2>&1 | tee "$output"; then
    # Molecule's recap follows the verifier's report: repeat what failed where a reader of the tail sees it.
    printf '\n\033[1m==> what failed in the verifier (%s)\033[0m\n' "$scenario" >&2
    sed 's/\x1b\[[0-9;]*m//g; s/^ *│ \{0,1\}//' "$output" \
      | grep -E '^(FAILED|ERROR) |^E  |^tests/.*:[0-9]+: ' | tail -n 60 >&2 || true
    exit 1
  fi
  log "molecule scenario $scenario passed in $(( SECONDS - start )) s"
}
# Debian 12: everything; Debian 13: converge, idempotence and the stack tests.
molecule_test default "$@"
molecule_test trixie "$@"
