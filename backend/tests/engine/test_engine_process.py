"""The engine in a process of its own (`python -m app.worker`, as the container runs it): the API
reaches it only through the Redis command channel, and answers 503 at once when it is absent."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import socketio
import uvicorn
from redis.asyncio import Redis

from app.core.config import Settings
from app.engine.commands import COMMANDER_KEY, COMMANDS_KEY
from app.main import create_app
from tests.conftest import login
from tests.support.polling import wait_for
from tests.support.services import free_port

BACKEND = Path(__file__).resolve().parents[2]


@pytest.fixture
def separate(settings: Settings) -> Settings:
    """The API without an engine of its own; a long command deadline, so only a missing engine
    (not a timeout) can explain a quick 503."""
    return settings.model_copy(
        update={"engine_process": "separate", "engine_command_timeout_seconds": 120.0}
    )


@pytest.fixture
async def api_url(separate: Settings) -> AsyncIterator[str]:
    _, app = create_app(separate)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{server.config.port}"
    server.should_exit = True
    await task


def engine_env(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "TOKEN_SECRET": settings.token_secret,
        "ADMIN_USERNAME": settings.admin_username,
        "ADMIN_PASSWORD_HASH": settings.admin_password_hash or "",
        "ENGINE_PROCESS": "separate",
        "SIM_SPEED": "600",
        "ENGINE_POLL_SECONDS": "0.2",
    }


@pytest.fixture
def engine_process(settings: Settings) -> Iterator[subprocess.Popen[bytes]]:
    worker = subprocess.Popen(
        [sys.executable, "-m", "app.worker"], cwd=BACKEND, env=engine_env(settings)
    )
    yield worker
    if worker.poll() is None:
        worker.terminate()
        worker.wait(30)


async def test_without_an_engine_process_the_api_answers_503_at_once(
    api_url: str, redis: Redis
) -> None:
    async with httpx.AsyncClient(base_url=api_url, timeout=10) as http:
        headers = await login(http)
        for method, path in (("GET", "/api/account"), ("POST", "/api/engine/start")):
            response = await http.request(method, path, headers=headers)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "engine_unavailable"
            assert "no engine process is running" in error["message"]
        assert (await http.get("/api/engine", headers=headers)).status_code == 503
        assert await redis.llen(COMMANDS_KEY) == 0  # nothing left behind for a later engine


async def test_a_command_nobody_takes_ends_in_503_and_is_taken_back(
    settings: Settings, redis: Redis
) -> None:
    quick = settings.model_copy(
        update={"engine_process": "separate", "engine_command_timeout_seconds": 0.3}
    )
    await redis.set(COMMANDER_KEY, "a-stuck-process", px=60_000)
    api, app = create_app(quick)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            response = await http.get("/api/positions", headers=await login(http))
    assert response.status_code == 503
    assert response.json()["error"]["message"] == (
        "engine: no answer within 0.3 s (it was not taken); retry later."
    )
    assert await redis.llen(COMMANDS_KEY) == 0


async def test_orders_fill_and_the_kill_switch_works_in_the_engine_process(
    api_url: str, engine_process: subprocess.Popen[bytes], redis: Redis
) -> None:
    async with httpx.AsyncClient(base_url=api_url, timeout=30) as http:
        headers = await login(http)

        async def engine_answers() -> bool:
            assert engine_process.poll() is None, "the engine process ended"
            return (await http.get("/api/engine", headers=headers)).status_code == 200

        await wait_for(engine_answers, within=30, what="the engine process reporting")
        fills: list[dict[str, Any]] = []
        live = socketio.AsyncClient(reconnection=False)
        live.on("fill", fills.append)
        await live.connect(
            api_url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            auth={"token": headers["Authorization"].removeprefix("Bearer ")},
        )
        try:
            started = await http.post("/api/engine/start", headers=headers)
            assert started.status_code == 200 and started.json()["desired"] == "running"

            async def prices_flow() -> bool:  # the simulated exchange knows a price to fill at
                run = (await http.get("/api/engine", headers=headers)).json()["run"]
                return bool(run and run["bars"] > 0)

            await wait_for(prices_flow, within=60, what="bars reaching the engine process")
            body = {"symbol": "SIMA", "side": "buy", "qty": 2}
            created = await http.post("/api/orders", json=body, headers=headers)
            assert created.status_code == 201, created.text
            order = created.json()
            assert order["source"] == "manual" and order["broker_order_id"]

            async def filled() -> bool:
                row = (await http.get(f"/api/orders/{order['id']}", headers=headers)).json()
                announced = any(f["order_id"] == order["id"] for f in fills)
                return bool(row["status"] == "filled" and announced)

            await wait_for(filled, within=60, what="the manual order filled and its fill event")
        finally:
            await live.disconnect()

        positions = (await http.get("/api/positions", headers=headers)).json()
        assert "SIMA" in {p["symbol"] for p in positions}
        missing = await http.post("/api/positions/NONE/close", headers=headers)
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "position_not_found"

        kill = {"confirm": "kill", "flatten": True}
        killed = await http.post("/api/engine/kill", json=kill, headers=headers)
        assert killed.status_code == 200, killed.text
        outcome = killed.json()
        assert outcome["disabled_instances"] >= 1 and outcome["flatten_orders"]

        engine_process.terminate()
        assert engine_process.wait(30) == 0
        assert await redis.get(COMMANDER_KEY) is None  # released on the way out
        gone = await http.get("/api/account", headers=headers)
        assert gone.status_code == 503 and gone.json()["error"]["code"] == "engine_unavailable"
