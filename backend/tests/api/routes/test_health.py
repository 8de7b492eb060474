import asyncio
import time

import httpx
import pytest

from app.api.routes.health import CachedChecks
from app.core.config import Settings
from app.schemas.health import HealthChecksOut
from tests.support.services import PostgresServer, RedisServer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Probe on every request: these tests break a dependency between two requests."""
    return settings.model_copy(update={"health_cache_seconds": 0})


async def test_health_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "redis": "ok"}
    assert body["version"]


async def test_redis_down_is_503_naming_redis_then_recovers(
    client: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    redis_server.stop()
    try:
        response = await client.get("/api/health")
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "dependency_unavailable"
        assert error["message"] == "redis unreachable"
        assert error["details"]["checks"]["database"] == "ok"
        assert error["details"]["checks"]["redis"].startswith("unreachable")
    finally:
        redis_server.port = redis_server.port
        redis_server.start()
    assert (await client.get("/api/health")).status_code == 200


async def test_postgres_down_is_503_naming_database_then_recovers(
    client: httpx.AsyncClient, postgres: PostgresServer
) -> None:
    postgres.stop()
    try:
        response = await client.get("/api/health")
        assert response.status_code == 503
        assert response.json()["error"]["message"] == "database unreachable"
    finally:
        postgres.restart()
    assert (await client.get("/api/health")).status_code == 200


async def test_hanging_dependency_answers_within_two_seconds(
    client: httpx.AsyncClient, redis_server: RedisServer
) -> None:
    assert (await client.get("/api/health")).status_code == 200
    redis_server.pause()
    try:
        started = time.monotonic()
        response = await client.get("/api/health")
        elapsed = time.monotonic() - started
    finally:
        redis_server.resume()
    assert response.status_code == 503
    assert "no answer within" in response.json()["error"]["details"]["checks"]["redis"]
    assert elapsed < 2.0


class Probes:
    """A probe that counts its calls and waits until released, with a clock the test moves."""

    def __init__(self) -> None:
        self.calls = 0
        self.now = 100.0
        self.release = asyncio.Event()

    async def probe(self) -> HealthChecksOut:
        self.calls += 1
        await self.release.wait()
        return HealthChecksOut(database="ok", redis=f"ok {self.calls}")


async def test_checks_are_reused_within_the_window_and_taken_again_after_it() -> None:
    probes = Probes()
    probes.release.set()
    cache = CachedChecks(1.0, clock=lambda: probes.now)
    first = await cache.get(probes.probe)
    probes.now += 0.9
    assert await cache.get(probes.probe) == first
    assert probes.calls == 1
    probes.now += 0.2
    assert (await cache.get(probes.probe)).redis == "ok 2"
    assert probes.calls == 2


async def test_concurrent_requests_share_one_probe_even_when_one_gives_up() -> None:
    probes = Probes()
    cache = CachedChecks(1.0, clock=lambda: probes.now)
    waiting = [asyncio.create_task(cache.get(probes.probe)) for _ in range(5)]
    await asyncio.sleep(0)
    waiting[0].cancel()
    probes.release.set()
    answers = await asyncio.gather(*waiting[1:])
    assert probes.calls == 1
    assert {checks.redis for checks in answers} == {"ok 1"}


async def test_no_window_probes_every_time() -> None:
    probes = Probes()
    probes.release.set()
    cache = CachedChecks(0.0, clock=lambda: probes.now)
    for _ in range(3):
        await cache.get(probes.probe)
    assert probes.calls == 3
