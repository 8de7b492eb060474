#!/usr/bin/env bash
# The real-VM check, on demand (`make test-vm`): Debian in QEMU reached over SSH, deployed with
# site.yml and a production-like inventory; see scripts/vm_check.py. Extra arguments go to it
# (e.g. --suite trixie, --memory-mb 1024 --cpus 1 --swap-mb 2048 for the smallest VPS).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
ensure_apt qemu-system-x86 qemu-utils debootstrap openssh-client
ensure_venv
deploy_env
ensure_standin_archives
exec "$VENV/bin/python" "$REPO_ROOT/scripts/vm_check.py" --cache "$CACHE_DIR" "$@"
