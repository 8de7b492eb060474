"""The test servers for a run outside pytest (the e2e script): `python -m tests.support.serve FILE`
starts PostgreSQL (with database trading_bot) and Redis, writes their DATABASE_URL and REDIS_URL
to FILE as shell assignments, and stops both on SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
from pathlib import Path
from types import FrameType

from tests.support.services import PostgresServer, RedisServer

logger = logging.getLogger(__name__)
DATABASE = "trading_bot"


class Stopped(Exception):
    """SIGTERM or SIGINT arrived: the caller is done with the servers."""


def _stop(_signum: int, _frame: FrameType | None) -> None:
    raise Stopped


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m tests.support.serve FILE", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    postgres, redis = PostgresServer(), RedisServer()
    try:
        postgres.start()
        postgres.psql(f"CREATE DATABASE {DATABASE}")
        redis.start()
        target = Path(argv[0])
        part = target.with_suffix(".part")
        part.write_text(f"DATABASE_URL={postgres.url(DATABASE)}\nREDIS_URL={redis.url}\n")
        part.rename(target)  # whoever polls for FILE reads it whole
        logger.info("PostgreSQL on %s, Redis on %s", postgres.port, redis.port)
        while True:
            signal.pause()
    except Stopped:
        return 0
    finally:
        redis.stop()
        postgres.destroy()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
