"""Failed logins counted per (user name, client address) in Redis, with exponential backoff, so
brute force slows down across processes while the owner, from another address, still logs in."""

from __future__ import annotations

import hashlib
import math

from redis.asyncio import Redis

# How long failures are remembered after the last one (the backoff restarts after this).
MEMORY_SECONDS = 24 * 3600


class LoginLimiter:
    def __init__(
        self, redis: Redis, free_attempts: int, lockout_seconds: float, max_lockout_seconds: float
    ) -> None:
        self._redis = redis
        self._free = free_attempts
        self._base = lockout_seconds
        self._max = max_lockout_seconds

    @staticmethod
    def _keys(username: str, client: str) -> tuple[str, str]:
        # The address as it is, the user name hashed: it is the client's text, not fit for a key.
        who = f"{client}:{hashlib.sha256(username.encode()).hexdigest()[:16]}"
        return f"login-failures:{who}", f"login-locked:{who}"

    async def retry_after(self, username: str, client: str) -> int:
        """Seconds until `username` may try again from `client`; 0 when it may try now."""
        _, locked = self._keys(username, client)
        remaining_ms = int(await self._redis.pttl(locked))
        return math.ceil(remaining_ms / 1000) if remaining_ms > 0 else 0

    async def record_failure(self, username: str, client: str) -> tuple[int, float]:
        """Counts one failure; returns (failures so far, seconds locked now: 0 while still free)."""
        failures_key, locked = self._keys(username, client)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(failures_key)
            pipe.expire(failures_key, MEMORY_SECONDS)
            failures = int((await pipe.execute())[0])
        if failures < self._free:
            return failures, 0.0
        lockout = min(self._base * 2 ** (failures - self._free), self._max)
        await self._redis.set(locked, failures, px=max(int(lockout * 1000), 1))
        return failures, lockout

    async def reset(self, username: str, client: str) -> None:
        await self._redis.delete(*self._keys(username, client))
