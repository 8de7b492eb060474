#!/usr/bin/env bash
# Regenerates backend/requirements.lock (`make lock`): every runtime dependency of
# backend/pyproject.toml pinned with its hashes, one resolution valid on Python 3.11 and newer
# (the dev venv, the official python:3.12-slim base, Debian 12 and 13's Python).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
ensure_venv
cd "$REPO_ROOT/backend"
# uv does not read pip's configuration: hand it the host's CA bundle for a TLS-inspecting proxy.
SSL_CERT_FILE=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt} UV_CUSTOM_COMPILE_COMMAND="make lock" \
  "$VENV/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
  --quiet --output-file requirements.lock
log "backend/requirements.lock: $(grep -c '==' requirements.lock) pins, sha256 $(sha256sum requirements.lock | cut -c1-16)"
