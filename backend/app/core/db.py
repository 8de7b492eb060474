"""The async SQLAlchemy engine and session factory."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

logger = logging.getLogger(__name__)

# A connection used this recently is taken as alive; an older one is pinged before use.
PING_IDLE_SECONDS = 1.0


def make_engine(database_url: str, pool_size: int = 10, max_overflow: int = 10) -> AsyncEngine:
    # Enough kept connections for a burst of API requests: an overflow connection is opened and
    # closed per use, which costs more than the query it serves.
    engine = create_async_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        connect_args={"timeout": 5, "command_timeout": 30},
    )
    ping_when_idle(engine, PING_IDLE_SECONDS)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling only for connections idle longer than `idle_seconds`.

    SQLAlchemy's pool_pre_ping pings on every checkout, and with asyncpg a ping is three round
    trips (BEGIN, `;`, ROLLBACK): more than the query of a busy API request. A connection that
    fails its ping is replaced before use (the pool retries on DisconnectionError), so a restarted
    PostgreSQL costs no request; one used within the last second is trusted.
    """
    pool = engine.sync_engine.pool

    def note_use(dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info["used_at"] = time.monotonic()

    def ping_if_idle(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        if time.monotonic() - record.info.get("used_at", 0.0) < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            logger.info("a pooled database connection failed its ping (%s); reconnecting", error)
            raise exc.DisconnectionError(str(error)) from error

    event.listen(pool, "connect", note_use)
    event.listen(pool, "checkin", note_use)
    event.listen(pool, "checkout", ping_if_idle)


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
