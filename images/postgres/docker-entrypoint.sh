#!/usr/bin/env bash
# Initialises PGDATA from POSTGRES_USER/POSTGRES_PASSWORD/POSTGRES_DB on first start, like the
# official image, then runs the server as the postgres user. Each of the three may come from a file
# named by its *_FILE variable instead (a mounted secret), as in the official image.
set -euo pipefail

fail() { echo "postgres entrypoint: $*" >&2; exit 1; }

for var in POSTGRES_USER POSTGRES_PASSWORD POSTGRES_DB; do
  file_var="${var}_FILE"
  if [ -n "${!file_var:-}" ]; then
    [ -z "${!var:-}" ] || fail "both $var and $file_var are set (they are exclusive)"
    [ -r "${!file_var}" ] || fail "$file_var names ${!file_var}, which cannot be read"
    export "$var=$(<"${!file_var}")"
  fi
  unset "$file_var"
done

if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi
if [ "$1" != postgres ]; then exec "$@"; fi

if [ "$(id -u)" = 0 ]; then
  mkdir -p "$PGDATA"
  chown postgres:postgres "$PGDATA"
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  : "${POSTGRES_USER:=postgres}"
  : "${POSTGRES_DB:=$POSTGRES_USER}"
  auth=${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}
  if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$auth" != trust ]; then
    fail "database is uninitialised and POSTGRES_PASSWORD is not set (or set POSTGRES_HOST_AUTH_METHOD=trust)"
  fi
  echo "postgres entrypoint: initialising $PGDATA for user '$POSTGRES_USER', database '$POSTGRES_DB'"
  pwfile=$(mktemp)
  printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
  initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host="$auth" -D "$PGDATA" >/dev/null
  rm -f "$pwfile"
  printf '\nhost all all all %s\n' "$auth" >>"$PGDATA/pg_hba.conf"
  printf "\nlisten_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

  pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start >/dev/null
  psql=(psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres)
  if [ "$POSTGRES_DB" != postgres ]; then
    "${psql[@]}" --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    # shellcheck source=/dev/null
    case "$f" in
      *.sh) echo "running $f"
        # shellcheck source=/dev/null  # the user's init scripts, sourced like the official image does
        . "$f" ;;
      *.sql) echo "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) echo "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
  echo "postgres entrypoint: initialisation done"
fi

exec "$@"
