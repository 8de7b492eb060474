"""Counts failed logins per client address in Redis, so brute force is slowed across processes."""

from __future__ import annotations

from redis.asyncio import Redis

WINDOW_SECONDS = 60


class LoginLimiter:
    def __init__(self, redis: Redis, attempts_per_window: int) -> None:
        self._redis = redis
        self._limit = attempts_per_window

    @staticmethod
    def _key(client: str) -> str:
        return f"login-failures:{client}"

    async def retry_after(self, client: str) -> int:
        """Seconds until `client` may try again; 0 when it may try now."""
        key = self._key(client)
        failures = await self._redis.get(key)
        if failures is None or int(failures) < self._limit:
            return 0
        ttl = int(await self._redis.ttl(key))
        return max(ttl, 1)

    async def record_failure(self, client: str) -> None:
        key = self._key(client)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, WINDOW_SECONDS, nx=True)
            await pipe.execute()

    async def reset(self, client: str) -> None:
        await self._redis.delete(self._key(client))
