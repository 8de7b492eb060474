"""The shared async Redis client."""

from __future__ import annotations

from redis.asyncio import Redis


def make_redis(redis_url: str) -> Redis:
    return Redis.from_url(
        redis_url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
    )
