"""Throwaway PostgreSQL (migrated) and Redis for a benchmark run, torn down at the end."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.services import PostgresServer, RedisServer

BACKEND_DIR = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Services:
    database_url: str
    redis_url: str


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds, so the servers below are torn down


@contextlib.contextmanager
def services() -> Iterator[Services]:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    postgres = PostgresServer().start()
    redis = RedisServer().start()
    try:
        postgres.psql("CREATE DATABASE bench")
        url = postgres.url("bench")
        env = {**os.environ, "DATABASE_URL": url, "ENVIRONMENT": "test"}
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=BACKEND_DIR,
            env=env,
            check=True,
            capture_output=True,
        )
        yield Services(database_url=url, redis_url=redis.url)
    finally:
        redis.stop()
        postgres.destroy()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
