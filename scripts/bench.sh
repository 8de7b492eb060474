#!/usr/bin/env bash
# Benchmarks: run every backend/bench/*.py and print its figures (ratios, not only times).
# BLAS is kept to one thread: the kernels multiply small matrices, where threads only add noise.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_venv
cd "$REPO_ROOT/backend"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
for script in bench/*.py; do
  log "$script"
  "$VENV/bin/python" "$script"
done
