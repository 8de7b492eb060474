"""The daily summary: after the close, once per session, only from the leading process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from socketio import ASGIApp

from app.core.config import NotifyTargetConfig, Settings
from app.notify.daily import DailySummary
from app.risk.calendar import calendar
from tests.notify.receivers import HttpReceiver
from tests.support.polling import wait_for

CLOSE = datetime(2026, 3, 2, 21, 0, tzinfo=UTC)  # Monday, 16:00 in New York
HALF_DAY_CLOSE = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)  # the day after Thanksgiving, 13:00


@pytest.fixture
def settings(settings: Settings, receiver: HttpReceiver) -> Settings:
    settings.notify_urls = [NotifyTargetConfig(url=receiver.apprise_url, events=["daily_summary"])]
    settings.dashboard_url = "https://bot.example.com"
    return settings


def daily_of(api_app: tuple[FastAPI, ASGIApp]) -> DailySummary:
    daily = api_app[0].state.notifications.daily
    assert isinstance(daily, DailySummary)
    return daily


def test_the_last_close_knows_weekends_and_half_days() -> None:
    market = calendar()
    assert market.last_close(CLOSE + timedelta(minutes=1)) == CLOSE
    assert market.last_close(CLOSE - timedelta(minutes=1)) == CLOSE - timedelta(days=3)  # Friday
    assert market.last_close(datetime(2026, 11, 28, 12, tzinfo=UTC)) == HALF_DAY_CLOSE


async def test_the_summary_goes_out_once_after_the_close_and_only_while_leading(
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    api_app: tuple[FastAPI, ASGIApp],
    receiver: HttpReceiver,
) -> None:
    daily = daily_of(api_app)
    assert not await daily.check(CLOSE + timedelta(minutes=10))  # not leading: not mine to send

    assert (await client.post("/api/engine/start", headers=auth_headers)).is_success
    engine = api_app[0].state.engine
    await wait_for(lambda: _now(engine.trading), what="leading")
    assert not await daily.check(CLOSE + timedelta(minutes=2))  # too soon after the close
    assert await daily.check(CLOSE + timedelta(minutes=10))
    assert not await daily.check(CLOSE + timedelta(minutes=11))  # once per session

    body = await receiver.next()
    assert body["title"] == "Daily summary 2026-03-02"
    lines = body["message"].splitlines()
    assert lines[0].startswith("Equity $100,000.00, day P&L $0.00, realised $0.00")
    assert lines[1] == "0 fills (0 exits), 0 rejected orders"
    assert lines[2] == "Open positions: none"
    assert lines[3] == "https://bot.example.com/"


async def _now(value: bool) -> bool:
    return value
