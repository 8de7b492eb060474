"""Fixtures on real services: a throwaway PostgreSQL and Redis for the whole run, clean per test."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from redis.asyncio import Redis
from socketio import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.core.security import hash_password
from app.main import create_app
from app.models import Base
from tests.support.services import PostgresServer, RedisServer, free_port

BACKEND_DIR = Path(__file__).resolve().parents[1]
ADMIN_PASSWORD = "correct horse battery staple"
TOKEN_SECRET = "test-token-secret-that-is-long-enough-0123456789"
TEST_DATABASE = "trading_bot_test"


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer().start()
    yield server
    server.destroy()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.stop()


def run_alembic(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "ENVIRONMENT": "test"}
    return subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=BACKEND_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def database_url(postgres: PostgresServer) -> str:
    """A database migrated to head once per run."""
    postgres.psql(f"CREATE DATABASE {TEST_DATABASE}")
    url = postgres.url(TEST_DATABASE)
    result = run_alembic(url, "upgrade", "head")
    assert result.returncode == 0, result.stderr
    return url


@pytest.fixture(scope="session")
def admin_password_hash() -> str:
    return hash_password(ADMIN_PASSWORD)


def clean_slate(postgres: PostgresServer, redis_server: RedisServer) -> None:
    """Empty every table and Redis, as a fresh install has them."""
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    postgres.psql(f"TRUNCATE {tables} RESTART IDENTITY CASCADE", TEST_DATABASE)
    subprocess.run(
        ["redis-cli", "-p", str(redis_server.port), "FLUSHALL"], check=True, capture_output=True
    )


@pytest.fixture
def settings(
    database_url: str, redis_server: RedisServer, postgres: PostgresServer, admin_password_hash: str
) -> Settings:
    """Settings for a test that starts from empty tables and an empty Redis."""
    clean_slate(postgres, redis_server)
    return Settings(
        environment="test",
        database_url=database_url,
        redis_url=redis_server.url,
        token_secret=TOKEN_SECRET,
        admin_username="admin",
        admin_password_hash=admin_password_hash,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(settings.database_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
async def api_app(settings: Settings) -> AsyncIterator[tuple[FastAPI, ASGIApp]]:
    api, app = create_app(settings)
    async with api.router.lifespan_context(api):
        yield api, app


@pytest.fixture
async def client(api_app: tuple[FastAPI, ASGIApp]) -> AsyncIterator[httpx.AsyncClient]:
    _, app = api_app
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4711))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def login(http: httpx.AsyncClient) -> dict[str, str]:
    response = await http.post(
        "/api/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def auth_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return await login(client)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[Redis]:
    connection = Redis.from_url(settings.redis_url, decode_responses=True)
    yield connection
    await connection.aclose()


@pytest.fixture
async def live_url(settings: Settings) -> AsyncIterator[str]:
    """The whole app served by a real uvicorn on loopback, for Socket.IO and HTTP clients."""
    _, app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task
