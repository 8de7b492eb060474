"""The whole engine (EngineService, its loop, real PostgreSQL and Redis) on the Alpaca double,
through the real alpaca-py clients: a stream drop with backfill, a 5Min timeframe folded from
minute bars, a strategy exit of a bracketed position, the kill switch with legs open."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.domain import Bar
from app.engine.leader import DESIRED_KEY
from app.engine.service import EngineService
from app.engine.wiring import Venue
from app.marketdata.alpaca import AlpacaMarketData
from app.marketdata.base import MarketData
from app.models import OrderRecord, RiskSettingsRecord, StrategyInstanceRecord
from app.risk import RiskSettings
from tests.engine.conftest import RecordingPublisher
from tests.fakealpaca.clients import sdk_broker, sdk_market_data
from tests.fakealpaca.server import FakeAlpaca
from tests.support.polling import wait_for

SYMBOL = "SIMA"
NOW = datetime.now(UTC).replace(second=0, microsecond=0)
START = NOW.replace(minute=0) - timedelta(hours=6)  # on the hour: 5Min buckets start with it


class Recorded(MarketData):
    """The engine's bar source, keeping every bar the engine was handed."""

    def __init__(self, inner: MarketData) -> None:
        self.inner = inner
        self.source = inner.source
        self.seen: list[Bar] = []

    async def history(
        self, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> list[Bar]:
        return await self.inner.history(symbol, timeframe, start, end)

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        async for bar in self.inner.stream(symbols):
            self.seen.append(bar)
            yield bar

    async def resubscribe(self) -> None:
        await self.inner.resubscribe()

    async def close(self) -> None:
        await self.inner.close()


def price_at(minute: int) -> float:
    """Falls for 100 minutes, rises for 100, falls again: crossovers up, then down."""
    if minute < 100:
        return 100.0 - 0.1 * minute
    if minute < 200:
        return 90.0 + 0.2 * (minute - 100)
    return 110.0 - 0.3 * (minute - 200)


async def publish(fake: FakeAlpaca, minutes: range) -> None:
    for n in minutes:
        price = price_at(n)
        ohlcv = (price, price * 1.001, price * 0.999, price, 1000.0 + n)
        await fake.publish_bar(SYMBOL, START + timedelta(minutes=n), ohlcv)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAlpaca]:
    async with FakeAlpaca(prices={SYMBOL: 90.0}) as server:
        yield server


Start = Callable[..., Awaitable[tuple[EngineService, Recorded]]]


@pytest.fixture
async def start_engine(
    fake: FakeAlpaca,
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    published: RecordingPublisher,
) -> AsyncIterator[Start]:
    """Starts the engine with `timeframe`, trading around the clock, once the history is in."""
    services: list[EngineService] = []

    async def start(timeframe: str = "1Min") -> tuple[EngineService, Recorded]:
        broker = sdk_broker(fake)
        config = sdk_market_data(fake)._config.model_copy(update={"timeframe": timeframe})
        bars = Recorded(AlpacaMarketData(config))
        async with sessions.begin() as session:
            limits = RiskSettings(market_hours=False, pdt_guard=False, take_profit_multiple=2.0)
            session.add(RiskSettingsRecord(settings=limits.model_dump(), updated_by="test"))
        service = EngineService(
            settings.model_copy(
                update={"engine_seed_symbols": SYMBOL, "engine_timeframe": timeframe}
            ),
            sessions,
            redis,
            published,
            Venue(broker, bars, "alpaca", "alpaca_paper"),
        )
        services.append(service)
        await redis.set(DESIRED_KEY, "running")
        await service.start()
        await fake.wait_until(lambda: SYMBOL in fake.data_subscriptions, within=20)
        await fake.wait_until(lambda: fake.trade_listeners > 0, within=20)
        return service, bars

    yield start
    for service in services:
        await service.close()


async def seen_count(bars: Recorded, count: int, what: str) -> None:
    async def enough() -> bool:
        return len(bars.seen) >= count

    await wait_for(enough, within=30, what=what)


async def processed(engine: EngineService, count: int) -> None:
    async def done() -> bool:
        return engine.supervisor.loop is not None and engine.supervisor.loop.stats.bars >= count

    await wait_for(done, what=f"{count} bars through the engine's loop")


async def test_bars_missed_while_the_stream_was_down_reach_the_engine_once_in_order(
    fake: FakeAlpaca, start_engine: Start
) -> None:
    await publish(fake, range(0, 60))  # history for the warm-up
    engine, bars = await start_engine()
    await publish(fake, range(60, 63))
    await seen_count(bars, 3, "three live bars")

    fake.data_outage(True)  # the data stream is unreachable for five minutes
    await fake.drop_streams()
    await publish(fake, range(63, 68))
    fake.data_outage(False)
    await fake.wait_until(lambda: fake.data_listeners == 1, within=30)
    await publish(fake, range(68, 70))
    await seen_count(bars, 10, "the backfilled and the live bars")
    await publish(fake, range(70, 71))  # a last live one: nothing repeated came before it
    await seen_count(bars, 11, "the last live bar")

    expected = [START + timedelta(minutes=n) for n in range(60, 71)]
    assert [b.time for b in bars.seen] == expected
    await processed(engine, 11)
    loop = engine.supervisor.loop
    assert loop is not None and loop.stats.bars == 11
    frame = loop._windows.frame(SYMBOL)
    assert frame is not None
    assert [t.item().replace(tzinfo=UTC) for t in frame.time[-11:]] == expected


async def test_a_5min_timeframe_trades_on_bars_folded_from_minutes(
    fake: FakeAlpaca, start_engine: Start
) -> None:
    await publish(fake, range(0, 120))  # 24 five-minute bars of history
    engine, bars = await start_engine("5Min")
    await publish(fake, range(120, 151))
    await seen_count(bars, 6, "six 5Min bars")

    assert [b.time for b in bars.seen] == [START + timedelta(minutes=m) for m in range(120, 150, 5)]
    first = bars.seen[0]
    minutes = [price_at(n) for n in range(120, 125)]
    assert (first.open, first.close, first.volume) == (minutes[0], minutes[-1], 5 * 1000 + 610)
    assert first.high == pytest.approx(max(minutes) * 1.001)
    await processed(engine, 6)
    loop = engine.supervisor.loop
    assert loop is not None
    frame = loop._windows.frame(SYMBOL)
    assert frame is not None
    steps = {step.item() for step in frame.time[1:] - frame.time[:-1]}
    assert steps == {timedelta(minutes=5)}  # history and live alike: never a mix of sizes
    assert len(frame.time) == 24 + 6


def stamp(value: object) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


async def strategy_orders(sessions: async_sessionmaker[AsyncSession]) -> list[OrderRecord]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OrderRecord).where(OrderRecord.source == "strategy").order_by(OrderRecord.id)
        )
        return list(rows)


async def filled_bracket(
    fake: FakeAlpaca, start_engine: Start
) -> tuple[EngineService, dict[str, object]]:
    """The engine running, its strategy's bracketed entry filled, both legs open."""
    await publish(fake, range(0, 100))
    engine, _ = await start_engine()
    for n in range(100, 200):
        await publish(fake, range(n, n + 1))
        if fake.entries():
            break
    await fake.wait_until(lambda: bool(fake.entries()), within=20)
    [entry] = fake.entries()
    assert entry["order_class"] == "bracket"
    await fake.fill(str(entry["id"]), price=float(entry.get("limit_price") or 95.0))
    assert [leg["status"] for leg in fake.legs(str(entry["id"]))] == ["new", "held"]
    return engine, entry


async def test_a_strategy_exit_of_a_bracketed_position_cancels_its_legs_first(
    fake: FakeAlpaca, start_engine: Start, sessions: async_sessionmaker[AsyncSession]
) -> None:
    _, entry = await filled_bracket(fake, start_engine)
    fake.cancel_latency = 0.3  # each leg's cancel is confirmed a while after its 204
    entered_at = len(fake.requests)
    last = len(fake.bars[SYMBOL])
    for n in range(last, 300):  # the price turns down: the fast average crosses under
        await publish(fake, range(n, n + 1))
        if len(fake.entries()) > 1:
            break
    await fake.wait_until(lambda: len(fake.entries()) == 2, within=20)
    exit_order = fake.entries()[1]
    assert (exit_order["side"], exit_order["qty"]) == ("sell", entry["qty"])
    legs = fake.legs(str(entry["id"]))
    assert [leg["status"] for leg in legs] == ["canceled", "canceled"]
    after = fake.requests_since(entered_at)
    cancels = [i for i, (m, p) in enumerate(after) if m == "DELETE" and "/v2/orders/" in p]
    posts = [i for i, (m, p) in enumerate(after) if (m, p) == ("POST", "/v2/orders")]
    assert len(cancels) == 2 and len(posts) == 1 and max(cancels) < posts[0]
    assert max(stamp(leg["canceled_at"]) for leg in legs) <= stamp(exit_order["created_at"])

    await fake.fill(str(exit_order["id"]), price=100.0)
    assert SYMBOL not in fake.positions  # flat: neither naked nor doubled

    async def exit_filled() -> bool:
        rows = await strategy_orders(sessions)
        wanted = exit_order["client_order_id"]
        return [r.status for r in rows if r.client_order_id == wanted] == ["filled"]

    await wait_for(exit_filled, what="the exit recorded as filled")


async def test_the_kill_switch_cancels_open_legs_then_flattens(
    fake: FakeAlpaca, start_engine: Start, sessions: async_sessionmaker[AsyncSession]
) -> None:
    engine, entry = await filled_bracket(fake, start_engine)
    fake.cancel_latency = 0.2  # confirmed a moment after the 204, as Alpaca does

    result = (await engine.kill("test", flatten=True)).report

    assert result.errors == [] and result.canceled_orders == 2
    assert [leg["status"] for leg in fake.legs(str(entry["id"]))] == ["canceled", "canceled"]
    [closing] = result.flatten_orders
    [sent] = [o for o in fake.entries() if o["client_order_id"] == closing]
    assert (sent["side"], float(sent["qty"])) == ("sell", float(str(entry["qty"])))
    async with sessions() as session:
        enabled = await session.scalars(
            select(StrategyInstanceRecord.id).where(StrategyInstanceRecord.enabled.is_(True))
        )
        assert list(enabled) == []
