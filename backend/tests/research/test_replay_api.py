"""Live vs backtest: hand-built days of one instance replayed through the backtester.

Bars (1 minute, raw): five flat warm-up bars at 100 at the end of the trading day before, then
closes 98, 104, 104, 104, 96, 96, 96 from 14:30 UTC. With SMA 2 over SMA 4 the fast average crosses
above at bar 1 (101 > 100.5) and below at bar 4 (100 < 102). The buy fills at bar 2's open,
100, plus 5 bps: 100.05; the sell at bar 5's open, 120, less 5 bps: 119.94. Sizing is all-in
capped at 10% of the 10,000 equity recorded before the day: floor(1,000 / 100) = 10 shares.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from socketio import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain import Bar
from app.models import (
    EquityPointRecord,
    FillRecord,
    OrderRecord,
    RiskSettingsRecord,
    SignalRecord,
    StrategyInstanceRecord,
)
from app.research.history import HistoryCache
from app.research.sources import history_source
from app.risk import RiskSettings
from app.strategies import BarFrame

Headers = dict[str, str]
CLOSES = [98, 104, 104, 104, 96, 96, 96]
OPENS = {2: 100.0, 5: 120.0}
AGREE, DIFFER = datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
BUY_BAR, SELL_BAR = 1, 4


def bar_time(day: datetime, index: int) -> datetime:
    return day.replace(hour=14, minute=30) + timedelta(minutes=index)


def day_bars(day: datetime) -> list[Bar]:
    before = day - timedelta(days=3 if day.weekday() == 0 else 1)  # the trading day before
    warmup = [
        Bar("AAPL", before.replace(hour=20, minute=55 + i), 100, 100, 100, 100, 1e4)
        for i in range(5)
    ]
    bars = []
    for i, close in enumerate(CLOSES):
        opening = OPENS.get(i, float(close))
        low, high = min(opening, close), max(opening, close)
        bars.append(Bar("AAPL", bar_time(day, i), opening, high, low, close, 1e4))
    return warmup + bars


async def live(
    session: AsyncSession, instance: int, day: datetime, bar: int, side: str, **what: Any
) -> None:
    """A stored signal; with fill=(qty, price) an order filled, with rejected=reason none."""
    signal = SignalRecord(
        strategy_instance_id=instance,
        strategy="sma_crossover",
        symbol="AAPL",
        bar_time=bar_time(day, bar),
        side=side,
        strength=1.0,
        reason="crossed",
        values={},
        outcome="rejected" if "rejected" in what else "ordered",
        rejection_reason=what.get("rejected"),
    )
    session.add(signal)
    await session.flush()
    if "fill" not in what:
        return
    qty, price = (Decimal(str(v)) for v in what["fill"])
    order = OrderRecord(
        client_order_id=f"{day:%d}-{bar}",
        strategy_instance_id=instance,
        signal_id=signal.id,
        source="strategy",
        symbol="AAPL",
        side=side,
        type="market",
        time_in_force="day",
        qty=qty,
        status="filled",
        filled_qty=qty,
        filled_avg_price=price,
    )
    session.add(order)
    await session.flush()
    session.add(
        FillRecord(
            order_id=order.id,
            execution_id=f"x{day:%d}-{bar}",
            symbol="AAPL",
            side=side,
            qty=qty,
            price=price,
            filled_at=bar_time(day, bar + 1),
        )
    )


@pytest.fixture
async def instance(api_app: tuple[FastAPI, ASGIApp]) -> int:
    api = api_app[0]
    sessions: async_sessionmaker[AsyncSession] = api.state.sessions
    cache = HistoryCache(sessions, history_source(api.state.settings))
    for day in (AGREE, DIFFER):
        await cache.import_frame(BarFrame.from_bars(day_bars(day)), "1Min")
    risk = RiskSettings.permissive().model_copy(update={"max_position_pct": 0.1})
    async with sessions() as session:
        row = StrategyInstanceRecord(
            name="replayed", strategy="sma_crossover", symbol="AAPL", params={"fast": 2, "slow": 4}
        )
        session.add_all([row, RiskSettingsRecord(settings=risk.model_dump(), updated_by="test")])
        await session.flush()
        for day in (AGREE, DIFFER):
            session.add(
                EquityPointRecord(
                    time=day - timedelta(hours=8), equity=Decimal(10_000), cash=Decimal(10_000)
                )
            )
        await live(session, row.id, AGREE, BUY_BAR, "buy", fill=(10, 100.05))
        await live(session, row.id, AGREE, SELL_BAR, "sell", fill=(10, 119.94))
        await live(session, row.id, DIFFER, BUY_BAR, "buy", fill=(10, 100.10))
        await live(session, row.id, DIFFER, SELL_BAR, "sell", rejected="market closed")
        await session.commit()
        return row.id


async def replay(client: httpx.AsyncClient, headers: Headers, instance: int, day: str) -> Any:
    response = await client.get(
        f"/api/strategies/instances/{instance}/replay", params={"day": day}, headers=headers
    )
    return response


async def test_a_day_where_live_and_backtest_agree(
    client: httpx.AsyncClient, auth_headers: Headers, instance: int
) -> None:
    response = await replay(client, auth_headers, instance, "2026-03-02")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["bars"], body["warmup_bars"], body["timeframe"]) == (7, 5, "1Min")
    assert body["agree"] is True, body["rows"]
    rows = [(r["side"], r["backtest"]["qty"], r["backtest"]["price"]) for r in body["rows"]]
    assert rows == [("buy", 10, pytest.approx(100.05)), ("sell", 10, pytest.approx(119.94))]
    assert [r["time"][11:16] for r in body["rows"]] == ["14:31", "14:34"]


async def test_a_day_where_they_differ_names_each_difference(
    client: httpx.AsyncClient, auth_headers: Headers, instance: int
) -> None:
    response = await replay(client, auth_headers, instance, "2026-03-10")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["agree"] is False
    buy, sell = body["rows"]
    assert buy["differences"] == ["fill price live 100.1000, backtest 100.0500"]
    assert (sell["live"]["status"], sell["live"]["reason"]) == ("rejected", "market closed")
    assert sell["backtest"]["status"] == "filled"
    assert sell["differences"] == ["live rejected (market closed), backtest filled"]


async def test_bad_requests_say_what_is_wrong(
    client: httpx.AsyncClient, auth_headers: Headers, instance: int
) -> None:
    unknown = await replay(client, auth_headers, instance + 1000, "2026-03-02")
    assert unknown.status_code == 404, unknown.text
    assert "no strategy instance" in unknown.json()["error"]["message"]
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    for day, words in (
        (tomorrow, "in the future"),
        ("2026-04-01", "fetch them first"),
        ("2026-02-28", "holds no 1Min bars"),  # a Saturday inside the imported range
        ("yesterday", "date"),
    ):
        response = await replay(client, auth_headers, instance, day)
        assert response.status_code == 422, (day, response.text)
        detail = response.json()["error"]["details"][0]
        assert detail["field"] == "day", (day, detail)
        assert words in detail["message"], (day, detail)
