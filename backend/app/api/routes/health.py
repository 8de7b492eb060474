"""Liveness of the service and its dependencies, for Docker, systemd, Ansible and people."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app import __version__
from app.api.deps import RedisDep, SettingsDep
from app.core.errors import ApiError
from app.schemas.errors import error_responses
from app.schemas.health import HealthChecks, HealthResponse, StrategyFileProblem
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


@router.get("/health", responses=error_responses(503))
async def health(request: Request, settings: SettingsDep, redis: RedisDep) -> HealthResponse:
    timeout = settings.health_timeout_seconds
    database, redis_state = await asyncio.gather(
        _probe(_database_ok(request.app.state.db_engine), timeout),
        _probe(redis.ping(), timeout),
    )
    checks = HealthChecks(database=database, redis=redis_state)
    down = [name for name, state in checks.model_dump().items() if state != "ok"]
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
    return HealthResponse(
        status="ok", version=__version__, checks=checks, strategy_files=strategy_file_problems()
    )


def strategy_file_problems() -> list[StrategyFileProblem]:
    """The user's strategy files left out at start, with file, line and reason."""
    return [StrategyFileProblem(file=p.file, line=p.line, reason=p.reason) for p in PROBLEMS]
