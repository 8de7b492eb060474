"""Each trading run's row in engine_runs (with its audit entries), and its live status in Redis,
which every process reads to answer the status route."""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime

from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engine.status import RunStatus
from app.models import EngineRunRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)

STATUS_KEY = "trading-bot:engine:status"


class RunRecords:
    """Opens and closes run rows; publishes the running one's counters for `status_ttl` seconds."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], redis: Redis, status_ttl: float
    ) -> None:
        self._sessions = sessions
        self._redis = redis
        self._ttl_ms = int(status_ttl * 1000)

    async def open(self, holder: str, broker: str, data_source: str) -> RunStatus:
        async with self._sessions.begin() as session:
            run = EngineRunRecord(holder=holder, broker=broker, data_source=data_source)
            session.add(run)
            await session.flush()
            add_audit(session, "engine", "engine_started", "engine", run.id, message=holder)
        return RunStatus(holder=holder, run_id=run.id, started_at=datetime.now(UTC), symbols=[])

    async def close(self, status: RunStatus | None, reason: str) -> None:
        """Never raises: a run ends even when Redis or the database cannot be told."""
        with contextlib.suppress(Exception):
            await self._redis.delete(STATUS_KEY)
        if status is None:
            return
        with contextlib.suppress(Exception):
            async with self._sessions.begin() as session:
                await session.execute(
                    update(EngineRunRecord)
                    .where(EngineRunRecord.id == status.run_id)
                    .values(stopped_at=datetime.now(UTC), stop_reason=reason)
                )
                add_audit(
                    session, "engine", "engine_stopped", "engine", status.run_id, message=reason
                )

    async def publish(self, status: RunStatus) -> None:
        await self._redis.set(STATUS_KEY, status.model_dump_json(), px=self._ttl_ms)

    async def current(self) -> RunStatus | None:
        """The run some process reports now, if any."""
        raw = await self._redis.get(STATUS_KEY)
        return RunStatus.model_validate_json(raw) if raw else None
