#!/usr/bin/env bash
# Like the official image: args go to redis-server, which runs as the redis user in /data.
set -euo pipefail

if [ "${1:0:1}" = '-' ] || [ "${1%.conf}" != "$1" ]; then set -- redis-server "$@"; fi
if [ "$1" = redis-server ]; then
  case " $* " in
    *" --protected-mode "* | " redis-server -v "* | " redis-server --version "* | " redis-server --help "*) ;;
    # Docker's network is the boundary, as in the official image (whose build turns this off).
    *) set -- "$@" --protected-mode no ;;
  esac
  if [ "$(id -u)" = 0 ]; then
    chown redis:redis /data 2>/dev/null || true
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
