"""Liveness of the service and its dependencies, for Docker, systemd, Ansible and people."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, Request
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import __version__
from app.api.deps import RedisDep, SettingsDep
from app.core.errors import ApiError
from app.schemas.errors import error_responses
from app.schemas.health import HealthChecksOut, HealthOut, StrategyFileProblemOut
from app.strategies import PROBLEMS

router = APIRouter(tags=["health"])


async def _probe(check: Awaitable[object], limit: float) -> str:
    try:
        async with asyncio.timeout(limit):
            await check
    except TimeoutError:
        return f"unreachable: no answer within {limit:g} s"
    except Exception as error:
        return f"unreachable: {type(error).__name__}: {error}"[:300]
    return "ok"


async def _database_ok(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def probe_dependencies(engine: AsyncEngine, redis: Redis, limit: float) -> HealthChecksOut:
    database, redis_state = await asyncio.gather(
        _probe(_database_ok(engine), limit), _probe(redis.ping(), limit)
    )
    return HealthChecksOut(database=database, redis=redis_state)


class CachedChecks:
    """The dependencies' last checks, reused for `ttl` seconds: a burst of health requests (Docker,
    a load balancer, a dashboard, a scraper) costs one probe, and concurrent requests share it."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._checks: HealthChecksOut | None = None
        self._taken_at = -math.inf
        self._running: asyncio.Task[HealthChecksOut] | None = None

    async def get(self, probe: Callable[[], Awaitable[HealthChecksOut]]) -> HealthChecksOut:
        if self._checks is not None and self._clock() - self._taken_at < self._ttl:
            return self._checks
        if self._running is None:
            self._running = asyncio.ensure_future(self._refresh(probe))
        # A caller that goes away must not cancel the probe the others wait for.
        return await asyncio.shield(self._running)

    async def _refresh(self, probe: Callable[[], Awaitable[HealthChecksOut]]) -> HealthChecksOut:
        try:
            checks = await probe()
            self._checks, self._taken_at = checks, self._clock()
            return checks
        finally:
            self._running = None


@router.get("/health", responses=error_responses(503))
async def health(request: Request, settings: SettingsDep, redis: RedisDep) -> HealthOut:
    state = request.app.state
    checks = await state.health_checks.get(
        lambda: probe_dependencies(state.db_engine, redis, settings.health_timeout_seconds)
    )
    down = [name for name, status in checks.model_dump().items() if status != "ok"]
    if down:
        raise ApiError(
            503,
            "dependency_unavailable",
            f"{' and '.join(down)} unreachable",
            details={
                "version": __version__,
                "checks": checks.model_dump(),
                "strategy_files": [p.model_dump() for p in strategy_file_problems()],
            },
        )
    return HealthOut(
        status="ok", version=__version__, checks=checks, strategy_files=strategy_file_problems()
    )


def strategy_file_problems() -> list[StrategyFileProblemOut]:
    """The user's strategy files left out at start, with file, line and reason."""
    return [StrategyFileProblemOut(file=p.file, line=p.line, reason=p.reason) for p in PROBLEMS]
