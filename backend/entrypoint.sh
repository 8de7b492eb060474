#!/bin/sh
# Container start: wait (bounded) for PostgreSQL, apply migrations, then become the API server.
# Exit codes a supervisor can act on (e.g. systemd RestartPreventExitStatus=2 4):
#   2 configuration error (a bad or placeholder setting; the log line names it)
#   3 PostgreSQL did not answer within DB_WAIT_SECONDS (a restart may help)
#   4 a migration failed (its error is above in the log; restarting will not fix it)
# Any command given to the container replaces the server (e.g. `python -m app.cli hash-password`).
set -eu

if [ "$#" -gt 0 ]; then exec "$@"; fi

# As PID 1 the shell ignores SIGTERM unless trapped; children run in the background so that
# `docker stop` ends the wait or the migration at once instead of after the kill timeout.
child=
trap 'if [ -n "$child" ]; then kill -TERM "$child" 2>/dev/null; fi; exit 143' TERM INT

: "${DB_WAIT_SECONDS:=60}"
: "${FORWARDED_ALLOW_IPS:=127.0.0.1,::1}" # set it to the frontend proxy's address or network

python3 - "$DB_WAIT_SECONDS" <<'PY' &
"""Waits for PostgreSQL at DATABASE_URL; gives up with one clear line after the time limit."""
import asyncio
import sys
import time

import asyncpg
from sqlalchemy.engine import make_url

from app.core.config import load_settings_or_exit

FATAL = (asyncpg.InvalidPasswordError, asyncpg.InvalidAuthorizationSpecificationError,
         asyncpg.InvalidCatalogNameError)
limit = float(sys.argv[1])
url = make_url(load_settings_or_exit().database_url)
where = f"{url.host}:{url.port or 5432}/{url.database}"
dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)


async def attempt() -> None:
    connection = await asyncpg.connect(dsn, timeout=5)
    await connection.close()


print(f"entrypoint: waiting up to {limit:g} s for PostgreSQL at {where}", file=sys.stderr)
deadline = time.monotonic() + limit
while True:
    try:
        asyncio.run(attempt())
        break
    except FATAL as error:
        print(f"entrypoint: PostgreSQL at {where} refused us: {error}", file=sys.stderr)
        sys.exit(2)
    except (OSError, asyncio.TimeoutError, asyncpg.PostgresError) as error:
        if time.monotonic() >= deadline:
            print(f"entrypoint: PostgreSQL at {where} did not answer within {limit:g} s "
                  f"(last error: {type(error).__name__}: {error}); check DATABASE_URL and the "
                  "database container", file=sys.stderr)
            sys.exit(3)
        time.sleep(1)
print(f"entrypoint: PostgreSQL at {where} is up", file=sys.stderr)
PY
child=$!
wait "$child" || exit $?

echo "entrypoint: alembic upgrade head" >&2
alembic upgrade head &
child=$!
wait "$child" || {
  echo "entrypoint: migration failed (error above); not starting the server" >&2
  exit 4
}

# Idle connections stay open longer than nginx keeps them (60 s), so nginx always closes first.
exec uvicorn app.main:app --host 0.0.0.0 --port 8000 --timeout-keep-alive 75 \
  --proxy-headers --forwarded-allow-ips "$FORWARDED_ALLOW_IPS" --no-server-header
