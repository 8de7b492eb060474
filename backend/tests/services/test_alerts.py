"""Alerts reach a real HTTP receiver; a dead or slow receiver never holds the engine up."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from aiohttp import web
from redis.asyncio import Redis

from app.brokers.base import BrokerUnavailable
from app.brokers.sim import SimBroker
from app.core import metrics
from app.core.config import Settings
from app.engine.leader import LOCK_KEY
from app.services.alerts import AlertSender, EngineWatch
from tests.support.polling import wait_for
from tests.support.services import free_port


@dataclass
class Receiver:
    """A webhook on loopback that keeps every JSON body; `hold` stalls answers until set."""

    url: str
    bodies: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    hold: asyncio.Event = field(default_factory=asyncio.Event)

    async def next(self) -> dict[str, Any]:
        async with asyncio.timeout(10):
            return await self.bodies.get()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    hook = Receiver(f"http://127.0.0.1:{port}/hook")
    hook.hold.set()

    async def handle(request: web.Request) -> web.Response:
        hook.bodies.put_nowait(await request.json())
        await hook.hold.wait()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield hook
    hook.hold.set()
    await runner.cleanup()


@pytest.fixture
def settings(settings: Settings, receiver: Receiver) -> Settings:
    settings.alert_webhook_url = receiver.url
    return settings


@pytest.fixture(autouse=True)
def calm_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    """Watches read process-wide figures; start each test with no bar and no broker fault."""
    monkeypatch.setattr(metrics, "_last_bar_at", None)
    metrics.note_broker_call(None)


async def test_kill_switch_through_the_api_posts_an_alert(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: Receiver
) -> None:
    killed = await client.post(
        "/api/engine/kill", json={"confirm": "kill", "flatten": False}, headers=auth_headers
    )
    assert killed.status_code == 200, killed.text

    body = await receiver.next()
    assert body["event"] == "kill_switch"
    assert "admin" in body["message"]
    assert body["details"]["disabled_instances"] == killed.json()["disabled_instances"]
    assert datetime.fromisoformat(body["at"]).tzinfo is not None


async def test_a_stalled_receiver_neither_blocks_nor_breaks_sending(
    receiver: Receiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.hold.clear()
    alerts = AlertSender(receiver.url, timeout_seconds=0.3)
    alerts.send("risk_halt", "drawdown", {"flatten": True})  # returns before any delivery
    assert receiver.bodies.empty()

    assert (await receiver.next())["details"] == {"flatten": True}
    with caplog.at_level(logging.ERROR, logger="app.services.alerts"):
        await alerts.close()
    assert "risk_halt not delivered" in caplog.text


async def test_unreachable_webhook_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    alerts = AlertSender(f"http://127.0.0.1:{free_port()}/nobody", timeout_seconds=1)
    with caplog.at_level(logging.ERROR, logger="app.services.alerts"):
        alerts.send("leader_lost", "gone")
        await alerts.close()
    assert "leader_lost not delivered" in caplog.text


async def test_broker_outage_alerts_once_per_episode(receiver: Receiver) -> None:
    alerts = AlertSender(receiver.url, timeout_seconds=2)
    watch = EngineWatch(alerts, SimBroker(), broker_failures=3, stale_seconds=3600)
    fault = BrokerUnavailable("503 from the broker", status=503, maybe_processed=False)
    for _ in range(2):
        metrics.note_broker_call(fault)
    await watch.check()
    metrics.note_broker_call(fault)
    await watch.check()
    await watch.check()
    metrics.note_broker_call(None)
    await watch.check()
    for _ in range(3):
        metrics.note_broker_call(fault)
    await watch.check()
    await alerts.close()

    first, second = receiver.bodies.get_nowait(), receiver.bodies.get_nowait()
    assert receiver.bodies.empty()
    assert first["event"] == second["event"] == "broker_outage"
    assert first["details"] == {"consecutive_failures": 3}


async def test_stale_data_alerts_while_the_market_is_open(receiver: Receiver) -> None:
    alerts = AlertSender(receiver.url, timeout_seconds=2)
    started = time.monotonic() - 100
    watch = EngineWatch(alerts, SimBroker(), broker_failures=5, stale_seconds=60, started=started)
    await watch.check()
    await watch.check()
    metrics.observe_batch(0.01)  # a bar arrives: data flows again
    await watch.check()
    await alerts.close()

    body = receiver.bodies.get_nowait()
    assert receiver.bodies.empty()
    assert body["event"] == "stale_data"
    assert body["details"]["limit_seconds"] == 60
    assert body["details"]["seconds_without_bar"] >= 100


async def test_no_webhook_means_log_only(caplog: pytest.LogCaptureFixture) -> None:
    alerts = AlertSender(None, timeout_seconds=1)
    with caplog.at_level(logging.WARNING, logger="app.services.alerts"):
        alerts.send("kill_switch", "pulled by admin")
        await alerts.close()
    assert "alert kill_switch: pulled by admin" in caplog.text


async def test_losing_the_leader_lock_posts_an_alert(
    client: httpx.AsyncClient, auth_headers: dict[str, str], redis: Redis, receiver: Receiver
) -> None:
    started = await client.post("/api/engine/start", headers=auth_headers)
    assert started.status_code == 200, started.text

    async def trading() -> bool:
        status = (await client.get("/api/engine", headers=auth_headers)).json()
        return bool(status["this_process_leads"] and status["state"] == "running")

    await wait_for(trading, what="engine run started")
    holder = await redis.get(LOCK_KEY)
    await redis.set(LOCK_KEY, "another-process")  # as if our lock expired and someone took it

    body = await receiver.next()
    assert body["event"] == "leader_lost"
    assert holder in body["message"]
