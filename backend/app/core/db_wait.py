"""The container's start waits for PostgreSQL at DATABASE_URL (`python3 -m app.core.db_wait N`)
and gives up with one clear line: exit 2 when PostgreSQL refuses us (a restart cannot help), 3 when
it did not answer within the limit (a restart may)."""

from __future__ import annotations

import asyncio
import sys
import time

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy.engine import make_url

from app.core.config import load_settings_or_exit

REFUSED, NO_ANSWER = 2, 3
FATAL = (
    asyncpg.InvalidPasswordError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
)


def _say(message: str) -> None:
    # Runs before the app configures logging: plain lines on stderr, as the journal shows them.
    print(f"entrypoint: {message}", file=sys.stderr, flush=True)


async def _attempt(dsn: str) -> None:
    connection = await asyncpg.connect(dsn, timeout=5)
    await connection.close()


def wait_for_database(database_url: str, limit: float, pause: float = 1.0) -> int:
    """0 once PostgreSQL accepts a connection; REFUSED or NO_ANSWER otherwise."""
    url = make_url(database_url)
    where = f"{url.host}:{url.port or 5432}/{url.database}"
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    _say(f"waiting up to {limit:g} s for PostgreSQL at {where}")
    deadline = time.monotonic() + limit
    while True:
        try:
            asyncio.run(_attempt(dsn))
        except FATAL as error:
            _say(f"PostgreSQL at {where} refused us: {error}")
            return REFUSED
        except (OSError, TimeoutError, asyncpg.PostgresError) as error:
            if time.monotonic() >= deadline:
                _say(
                    f"PostgreSQL at {where} did not answer within {limit:g} s (last error: "
                    f"{type(error).__name__}: {error}); check DATABASE_URL and the database "
                    "container"
                )
                return NO_ANSWER
            time.sleep(pause)
        else:
            _say(f"PostgreSQL at {where} is up")
            return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        _say("usage: python3 -m app.core.db_wait SECONDS")
        return REFUSED
    try:
        limit = float(argv[0])
    except ValueError:
        _say(f"DB_WAIT_SECONDS must be a number of seconds, not {argv[0]!r}")
        return REFUSED
    return wait_for_database(load_settings_or_exit().database_url, limit)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
