"""Leadership: a Redis lock with a renewed TTL, so only one process in the whole deployment trades,
and the state the user wants, which every process reads."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Final

from redis.asyncio import Redis

from app.engine.aio import bounded
from app.engine.status import EngineState

logger = logging.getLogger(__name__)

LOCK_KEY = "trading-bot:engine:leader"
DESIRED_KEY = "trading-bot:engine:desired"
RUNNING: Final = "running"
STOPPED: Final = "stopped"

# Renew or release only if we still hold the lock: a check and an action in one atomic step.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def holder_name() -> str:
    """Who holds the lock, readable in logs and engine_runs: host, process and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaderLock:
    """Acquire once, renew well before the TTL ends; a failed renewal means we lead no more."""

    def __init__(self, redis: Redis, holder: str, ttl_seconds: float, key: str = LOCK_KEY) -> None:
        if ttl_seconds <= 0:
            raise ValueError(f"ttl_seconds must be positive, got {ttl_seconds}")
        self._redis = redis
        self.holder = holder
        self.ttl_ms = int(ttl_seconds * 1000)
        self.key = key

    async def acquire(self) -> bool:
        """Take the lock if nobody holds it."""
        taken = await self._redis.set(self.key, self.holder, nx=True, px=self.ttl_ms)
        if taken:
            logger.info("engine leader lock acquired by %s", self.holder)
        return bool(taken)

    async def renew(self) -> bool:
        """Extend our hold; False when the lock expired or someone else holds it now."""
        renewed = await self._redis.eval(_RENEW, 1, self.key, self.holder, str(self.ttl_ms))
        return bool(renewed)

    async def release(self) -> None:
        """Give the lock up, only if it is still ours."""
        await self._redis.eval(_RELEASE, 1, self.key, self.holder)

    async def current_holder(self) -> str | None:
        """Whoever holds the lock now, for the status page."""
        value = await self._redis.get(self.key)
        return str(value) if value is not None else None


class Leadership:
    """Who trades and what the user wants, both in Redis: the leader lock, and the wanted state
    ("running"/"stopped") that a start or stop through any process leaves for the leader."""

    def __init__(self, redis: Redis, ttl_seconds: float) -> None:
        self._redis = redis
        self._ttl = ttl_seconds
        self._lock = LeaderLock(redis, holder_name(), ttl_seconds)

    @property
    def holder(self) -> str:
        return self._lock.holder

    async def desired(self) -> EngineState:
        return RUNNING if await self._redis.get(DESIRED_KEY) == RUNNING else STOPPED

    async def want(self, running: bool) -> str | None:
        """Ask every process for a running or stopped engine; the state asked for before."""
        previous = await self._redis.getset(DESIRED_KEY, RUNNING if running else STOPPED)
        return None if previous is None else str(previous)

    async def want_running_unless_told(self) -> None:
        """Autostart: running, unless someone asked for either state before."""
        await self._redis.set(DESIRED_KEY, RUNNING, nx=True)

    async def acquire(self) -> bool:
        return await self._lock.acquire()

    async def renew(self) -> bool:
        """False when the lock is lost, or Redis does not confirm it within a third of its TTL."""
        return await bounded(self._lock.renew(), self._ttl / 3)

    async def release(self) -> None:
        await self._lock.release()

    async def leader(self) -> str | None:
        return await self._lock.current_holder()
