#!/usr/bin/env bash
# `make down`: removes the throwaway VPS container of `make up` with everything inside it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/deploy-lib.sh"
if docker inspect "$LOCAL_VPS" >/dev/null 2>&1; then
  log "removing the local VPS container $LOCAL_VPS and its volumes"
  docker rm -f -v "$LOCAL_VPS" >/dev/null
else
  log "no local VPS container ($LOCAL_VPS) to remove"
fi
