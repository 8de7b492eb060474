"""The engine on Alpaca, through the real alpaca-py SDK against the local fake Alpaca server:
bars from the data stream, orders through a 429 storm, a fill missed by a dropped stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.engine.leader import DESIRED_KEY
from app.engine.service import EngineService
from app.engine.wiring import Venue
from app.models import FillRecord, OrderRecord, RiskSettingsRecord
from app.risk import RiskSettings
from tests.engine.conftest import RecordingPublisher, falling_then_rising
from tests.fakealpaca.clients import sdk_broker, sdk_market_data
from tests.fakealpaca.server import FakeAlpaca
from tests.support.polling import wait_for


@pytest.fixture
async def fake() -> AsyncIterator[FakeAlpaca]:
    async with FakeAlpaca(prices={"SIMA": 90.0}) as server:
        yield server


@pytest.fixture
async def engine(
    fake: FakeAlpaca,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    published: RecordingPublisher,
) -> AsyncIterator[EngineService]:
    broker = sdk_broker(fake)
    bars = sdk_market_data(fake)
    async with sessions.begin() as session:  # around the clock, so the test runs at any hour
        limits = RiskSettings(market_hours=False, pdt_guard=False, take_profit_multiple=2.0)
        session.add(RiskSettingsRecord(settings=limits.model_dump(), updated_by="test"))
    venue = Venue(broker, bars, "alpaca", "alpaca_paper")
    service = EngineService(
        settings.model_copy(update={"engine_seed_symbols": "SIMA"}),
        sessions,
        redis,
        published,
        venue,
    )
    await redis.set(DESIRED_KEY, "running")
    await service.start()
    yield service
    await service.close()


async def test_orders_survive_a_429_storm_and_fills_survive_a_dropped_stream(
    fake: FakeAlpaca, engine: EngineService, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await fake.wait_until(lambda: "SIMA" in fake.data_subscriptions, within=15)
    await fake.wait_until(lambda: fake.trade_listeners > 0, within=15)
    fake.fail_next(4, 429, method="POST", path="/v2/orders", message="rate limit exceeded")

    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=80)
    falling, rising = falling_then_rising("SIMA", start)
    for bar in falling + rising:
        await fake.publish_bar(
            bar.symbol, bar.time, (bar.open, bar.high, bar.low, bar.close, bar.volume)
        )
        if fake.orders:
            break
    await fake.wait_until(lambda: bool(fake.orders), within=15)
    assert fake.count("POST", "/v2/orders") == 5  # four 429s, then the order: placed once
    [order] = fake.entries()

    await fake.drop_streams()  # the fill happens while nobody listens
    await fake.fill(order["id"], price=95.0)

    async def filled() -> bool:
        async with sessions() as session:
            row = await session.scalar(
                select(OrderRecord).where(OrderRecord.broker_order_id == order["id"])
            )
            return row is not None and row.status == "filled"

    await wait_for(filled, what="the missed fill found by polling")
    async with sessions() as session:
        rows = list(await session.scalars(select(OrderRecord)))
        fills = list(await session.scalars(select(FillRecord)))
    assert [(r.client_order_id, r.source) for r in rows if r.source == "strategy"] == [
        (order["client_order_id"], "strategy")
    ]
    assert [(float(f.qty), float(f.price)) for f in fills] == [(float(order["qty"]), 95.0)]
    await fake.wait_until(lambda: fake.trade_listeners > 0, within=15)  # the stream came back
