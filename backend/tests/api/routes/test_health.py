import time

import httpx

from tests.support.services import PostgresServer, RedisServer


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
