"""Operator alerts reach a real HTTP receiver through the old webhook setting, once per episode."""

from __future__ import annotations

import logging
import time

import httpx
import pytest
from redis.asyncio import Redis

from app.brokers.base import BrokerUnavailable
from app.brokers.health import CallHealth
from app.brokers.sim import SimBroker
from app.core.config import NotifyTargetConfig, Settings
from app.engine.leader import LOCK_KEY
from app.engine.watch import BarClock, EngineWatch
from app.notify.alerts import AlertSender
from app.notify.dispatch import Dispatcher, DispatchOptions
from tests.notify.receivers import HttpReceiver
from tests.support.polling import wait_for
from tests.support.services import free_port


@pytest.fixture
def settings(settings: Settings, receiver: HttpReceiver) -> Settings:
    settings.alert_webhook_url = receiver.url
    return settings


def dispatcher_for(receiver: HttpReceiver, **options: float) -> Dispatcher:
    target = NotifyTargetConfig(url=receiver.apprise_url)
    return Dispatcher([target], DispatchOptions(**options), "http://bot.example")  # type: ignore[arg-type]


async def test_kill_switch_through_the_api_reaches_the_old_webhook_setting(
    client: httpx.AsyncClient, auth_headers: dict[str, str], receiver: HttpReceiver
) -> None:
    killed = await client.post(
        "/api/engine/kill", json={"confirm": "kill", "flatten": False}, headers=auth_headers
    )
    assert killed.status_code == 200, killed.text

    body = await receiver.next()
    assert body["title"] == "Kill switch pulled"
    assert body["type"] == "warning"
    disabled = killed.json()["disabled_instances"]
    expected = f"kill switch pulled by admin (disabled instances: {disabled}"
    assert body["message"].startswith(expected)
    assert body["message"].endswith("http://127.0.0.1:3000/")


async def test_a_stalled_receiver_neither_blocks_nor_breaks_sending(
    receiver: HttpReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    receiver.hold.clear()
    dispatcher = dispatcher_for(receiver, timeout_seconds=0.3, retries=0)
    AlertSender(dispatcher).send("risk_halt", "drawdown", {"flatten": True})  # returns at once
    assert receiver.bodies.empty()
    with caplog.at_level(logging.ERROR, logger="app.notify.dispatch"):
        await wait_for(lambda: _async("risk_halt not delivered" in caplog.text), what="timeout")
    receiver.hold.set()
    await dispatcher.close()


async def test_unreachable_target_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    target = NotifyTargetConfig(url=f"json://127.0.0.1:{free_port()}/nobody")
    dispatcher = Dispatcher([target], DispatchOptions(retries=0), "http://bot.example")
    with caplog.at_level(logging.ERROR, logger="app.notify.dispatch"):
        AlertSender(dispatcher).send("leader_lost", "gone")
        await wait_for(lambda: _async("leader_lost not delivered" in caplog.text), what="log")
    await dispatcher.close()


async def test_broker_outage_alerts_once_per_episode(receiver: HttpReceiver) -> None:
    dispatcher = dispatcher_for(receiver)
    health = CallHealth()
    watch = EngineWatch(
        AlertSender(dispatcher),
        SimBroker(),
        health,
        BarClock(),
        broker_failures=3,
        stale_seconds=3600,
    )
    fault = BrokerUnavailable("503 from the broker", status=503, maybe_processed=False)
    for _ in range(2):
        health.note(fault)
    await watch.check()
    health.note(fault)
    await watch.check()
    await watch.check()
    health.note(None)
    await watch.check()
    for _ in range(3):
        health.note(fault)
    await watch.check()
    first, second = await receiver.next(), await receiver.next()
    await dispatcher.close()

    assert receiver.bodies.empty()
    assert first["title"] == second["title"] == "Broker unavailable"
    assert "unavailable 3 times in a row" in first["message"]


async def test_stale_data_alerts_while_the_market_is_open(receiver: HttpReceiver) -> None:
    dispatcher = dispatcher_for(receiver)
    started = time.monotonic() - 100
    bars = BarClock()
    watch = EngineWatch(
        AlertSender(dispatcher),
        SimBroker(),
        CallHealth(),
        bars,
        broker_failures=5,
        stale_seconds=60,
        started=started,
    )
    await watch.check()
    await watch.check()
    bars.tick()  # a bar arrives: data flows again
    await watch.check()
    body = await receiver.next()
    await dispatcher.close()

    assert receiver.bodies.empty()
    assert body["title"] == "No market data"
    assert "while the market is open (seconds without bar: " in body["message"]
    assert "limit seconds: 60" in body["message"]


async def test_no_target_means_log_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="app.notify.alerts"):
        AlertSender(Dispatcher([], DispatchOptions(), "http://bot.example")).send(
            "kill_switch", "pulled by admin"
        )
    assert "alert kill_switch: pulled by admin" in caplog.text


async def test_losing_the_leader_lock_posts_an_alert(
    client: httpx.AsyncClient, auth_headers: dict[str, str], redis: Redis, receiver: HttpReceiver
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
    assert body["title"] == "Leader lock lost"
    assert holder in body["message"]


async def _async(value: bool) -> bool:
    return value
