#!/usr/bin/env bash
# Container images: stand-in bases, both app images, the four containers on one network.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_apt debootstrap chromium
ensure_docker
ensure_venv
log "ruff (tests/images)"
"$VENV/bin/ruff" check --config "$REPO_ROOT/tests/images/ruff.toml" "$REPO_ROOT/tests/images"
"$VENV/bin/ruff" format --check --config "$REPO_ROOT/tests/images/ruff.toml" "$REPO_ROOT/tests/images"
log "stand-in base images"
"$REPO_ROOT/images/build.sh" >/dev/null
log "pytest (tests/images)"
cd "$REPO_ROOT/tests/images"
"$VENV/bin/pytest" "$@"
