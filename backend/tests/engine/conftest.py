"""Engine parts on the real database and Redis, with the offline SimBroker as the exchange."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.config import Settings
from app.core.events import SafePublisher
from app.domain import Bar
from app.engine.orders import OrderManager
from app.engine.positions import PositionBook
from app.engine.reconcile import Reconciler
from app.engine.wiring import Venue
from app.marketdata.base import MarketData

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def flat(minute: int, price: float, symbol: str = "SIMA") -> Bar:
    return Bar(symbol, T0 + timedelta(minutes=minute), price, price, price, price, 1000.0)


class RecordingPublisher:
    """Keeps every published event, to assert what the engine announced."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    async def publish(self, event: str, payload: Any) -> None:
        self.events.append((event, payload))

    def of(self, event: str) -> list[Any]:
        return [payload for name, payload in self.events if name == event]


@pytest.fixture
def published() -> RecordingPublisher:
    return RecordingPublisher()


@pytest.fixture
def events(published: RecordingPublisher) -> SafePublisher:
    return SafePublisher(published)


@pytest.fixture
def sim() -> SimBroker:
    broker = SimBroker(SimBrokerConfig(slippage_bps=0))
    broker.on_bar(flat(0, 100.0))
    return broker


@pytest.fixture
def orders(
    sim: SimBroker, sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> OrderManager:
    return OrderManager(sim, sessions, events)


@pytest.fixture
def reconciler(
    sim: SimBroker,
    sessions: async_sessionmaker[AsyncSession],
    orders: OrderManager,
    events: SafePublisher,
) -> Reconciler:
    positions = PositionBook(sim, sessions, events)
    return Reconciler(sim, sessions, orders, positions, unconfirmed_grace=timedelta(0))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Fast engine timings, so supervision, polling and takeover happen within a test."""
    return settings.model_copy(
        update={
            "engine_lock_ttl_seconds": 2.0,
            "engine_poll_seconds": 0.5,
            "engine_reconcile_seconds": 1.0,
            "engine_equity_seconds": 0.5,
            "engine_window_bars": 60,
            "sim_speed": 600.0,
        }
    )


class ScriptedMarket(MarketData):
    """Bars the test hands over one by one, after a fixed history: full control of the clock."""

    source = "scripted"

    def __init__(self, history: list[Bar]) -> None:
        self._history = history
        self.feed: asyncio.Queue[Bar] = asyncio.Queue()

    async def history(
        self, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> list[Bar]:
        return [b for b in self._history if b.symbol == symbol and start <= b.time < end]

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        while True:
            bar = await self.feed.get()
            if bar.symbol in symbols:
                yield bar


def falling_then_rising(
    symbol: str, start: datetime, bars: int = 40
) -> tuple[list[Bar], list[Bar]]:
    """A history that falls, then a live stretch that rises: a fast/slow crossover to the upside."""

    def at(i: int, price: float) -> Bar:
        return Bar(
            symbol, start + timedelta(minutes=i), price, price * 1.002, price * 0.998, price, 1e4
        )

    history = [at(i, 100.0 - 0.2 * i) for i in range(bars)]
    live = [at(bars + i, history[-1].close + 0.6 * (i + 1)) for i in range(bars)]
    return history, live


def scripted_venue(
    history: list[Bar], broker: SimBroker | None = None
) -> tuple[Venue, ScriptedMarket]:
    market = ScriptedMarket(history)
    venue = Venue(broker or SimBroker(SimBrokerConfig(slippage_bps=0)), market, "sim", "simulated")
    return venue, market
