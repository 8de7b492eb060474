"""AlpacaMarketData through the real StockHistoricalDataClient and StockDataStream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.brokers.health import CallHealth
from app.domain import Bar
from app.engine.watch import BarClock, EngineWatch
from app.marketdata.alpaca import AlpacaMarketData
from app.marketdata.base import MarketDataError
from tests.support.polling import wait_for

from .clients import sdk_broker, sdk_market_data
from .server import FakeAlpaca

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def raw_bar(minute: int) -> dict[str, object]:
    price = 100 + minute / 100
    stamp = (T0 + timedelta(minutes=minute)).isoformat().replace("+00:00", "Z")
    return {
        "t": stamp,
        "o": price,
        "h": price + 1,
        "l": price - 1,
        "c": price + 0.5,
        "v": 1000 + minute,
        "n": 5,
        "vw": price,
    }


async def next_bar(stream: AsyncIterator[Bar]) -> Bar:
    return await asyncio.wait_for(anext(stream), 10)


async def test_history_pages_through_the_sdk_and_ends_before_end(
    fake: FakeAlpaca, market_data: AlpacaMarketData
) -> None:
    fake.bars["AAPL"] = [raw_bar(m) for m in range(2600)]
    fake.bars_page_size = 1000
    fake.fail_next(2, 429, path="/v2/stocks/bars")
    bars = await market_data.history(
        "AAPL", "1Min", T0 + timedelta(minutes=100), T0 + timedelta(minutes=2600)
    )
    assert len(bars) == 2500
    assert bars[0] == Bar("AAPL", T0 + timedelta(minutes=100), 101.0, 102.0, 100.0, 101.5, 1100.0)
    assert bars[-1].time == T0 + timedelta(minutes=2599)
    assert fake.count("GET", "/v2/stocks/bars") == 2 + 3  # two refused, then three pages
    assert market_data.source == "alpaca"
    with pytest.raises(ValueError, match="timeframe '1Week' is not understood"):
        await market_data.history("AAPL", "1Week", T0, T0 + timedelta(days=7))


async def test_live_bars_arrive_and_survive_a_dropped_stream(
    fake: FakeAlpaca, market_data: AlpacaMarketData
) -> None:
    stream = market_data.stream(["AAPL", "MSFT"])
    first = asyncio.ensure_future(next_bar(stream))
    await fake.wait_until(lambda: fake.data_listeners == 1)
    assert fake.data_subscriptions == {"AAPL", "MSFT"}
    await fake.publish_bar("TSLA", T0, (1, 2, 0.5, 1.5, 10))  # not subscribed
    await fake.publish_bar("MSFT", T0, (400, 401, 399, 400.5, 300))
    assert await first == Bar("MSFT", T0, 400, 401, 399, 400.5, 300)

    await fake.drop_streams()
    await fake.wait_until(lambda: fake.data_logins == 2 and fake.data_listeners == 1)
    await fake.publish_bar("AAPL", T0 + timedelta(minutes=1), (100, 101, 99, 100.25, 50))
    bar = await next_bar(stream)
    assert (bar.symbol, bar.time, bar.close) == ("AAPL", T0 + timedelta(minutes=1), 100.25)
    assert bar.time.tzinfo is not None
    await stream.aclose()  # type: ignore[attr-defined]
    await fake.wait_until(lambda: fake.data_listeners == 0)


async def test_a_longer_timeframe_is_folded_from_the_streams_minute_bars(
    fake: FakeAlpaca,
) -> None:
    data = AlpacaMarketData(sdk_market_data(fake)._config.model_copy(update={"timeframe": "5Min"}))
    stream = data.stream(["AAPL"])
    first = asyncio.ensure_future(next_bar(stream))
    await fake.wait_until(lambda: "AAPL" in fake.data_subscriptions)
    for n in range(5):
        await fake.publish_bar(
            "AAPL", T0 + timedelta(minutes=n), (100 + n, 101 + n, 99, 100 + n, 10)
        )
    bar = await first
    assert (bar.time, bar.open, bar.high, bar.close, bar.volume) == (T0, 100, 105, 104, 50)
    await stream.aclose()  # type: ignore[attr-defined]


async def test_a_second_data_connection_is_refused_and_the_first_keeps_streaming(
    fake: FakeAlpaca, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = sdk_market_data(fake).stream(["AAPL"]), sdk_market_data(fake).stream(["MSFT"])
    one = asyncio.ensure_future(next_bar(first))
    await fake.wait_until(lambda: fake.data_listeners == 1)
    two = asyncio.ensure_future(next_bar(second))
    await fake.wait_until(lambda: "connection limit exceeded" in caplog.text)
    await fake.publish_bar("AAPL", T0, (1, 2, 0.5, 1.5, 10))
    assert (await one).symbol == "AAPL"
    assert caplog.text.count("Alpaca refused a second market data connection") == 1
    two.cancel()
    await first.aclose()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("setup", "needle"),
    [("keys", "auth failed"), ("plan", "insufficient subscription")],
)
async def test_refusals_retrying_cannot_cure_end_the_stream_with_one_clear_error(
    fake: FakeAlpaca, setup: str, needle: str
) -> None:
    config = sdk_market_data(fake)._config
    if setup == "keys":
        config = config.model_copy(update={"secret_key": "wrong"})
    else:
        fake.data_subscription = False
    stream = AlpacaMarketData(config).stream(["AAPL"])
    with pytest.raises(MarketDataError, match=needle):
        await asyncio.wait_for(anext(stream), 15)


def minute(n: int, symbol: str) -> tuple[str, datetime, tuple[float, ...]]:
    price = 100.0 + n + (50 if symbol == "MSFT" else 0)
    return symbol, T0 + timedelta(minutes=n), (price, price + 1, price - 1, price + 0.5, 10 + n)


async def collect(stream: AsyncIterator[Bar], into: list[Bar]) -> None:
    async for bar in stream:
        into.append(bar)


async def count_at_least(seen: list[Bar], count: int) -> None:
    async def enough() -> bool:
        return len(seen) >= count

    await wait_for(enough, what=f"{count} bars")


async def test_minutes_missed_while_the_stream_was_down_are_backfilled_once_in_order(
    fake: FakeAlpaca, market_data: AlpacaMarketData
) -> None:
    seen: list[Bar] = []
    stream = market_data.stream(["AAPL", "MSFT"])
    reader = asyncio.ensure_future(collect(stream, seen))
    await fake.wait_until(lambda: fake.data_listeners == 1)
    for symbol in ("AAPL", "MSFT"):
        await fake.publish_bar(*minute(0, symbol))
    await count_at_least(seen, 2)

    fake.data_outage(True)  # down for five minutes: reconnecting fails meanwhile
    await fake.drop_streams()
    for n in range(1, 6):
        for symbol in ("AAPL", "MSFT"):
            await fake.publish_bar(*minute(n, symbol))
    fake.data_outage(False)
    await fake.wait_until(lambda: fake.data_listeners == 1, within=30)
    for symbol in ("AAPL", "MSFT"):  # live again; REST may hold this minute too by now
        await fake.publish_bar(*minute(6, symbol))
    await count_at_least(seen, 14)
    for symbol in ("AAPL", "MSFT"):  # one more live minute: nothing repeated came before it
        await fake.publish_bar(*minute(7, symbol))
    await count_at_least(seen, 16)
    reader.cancel()

    assert [(b.symbol, b.time) for b in seen] == [
        (symbol, T0 + timedelta(minutes=n)) for n in range(8) for symbol in ("AAPL", "MSFT")
    ]
    assert seen[3] == Bar("MSFT", T0 + timedelta(minutes=1), 151, 152, 150, 151.5, 11)
    assert fake.count("GET", "/v2/stocks/bars") == 2  # one backfill per symbol


async def test_the_stale_data_watch_resubscribes_a_silent_stream_which_backfills(
    fake: FakeAlpaca, market_data: AlpacaMarketData, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[Bar] = []
    reader = asyncio.ensure_future(collect(market_data.stream(["AAPL"]), seen))
    await fake.wait_until(lambda: fake.data_listeners == 1)
    await fake.publish_bar(*minute(0, "AAPL"))
    await count_at_least(seen, 1)
    fake.mute_data_streams()  # connected, but nothing comes through
    for n in range(1, 4):
        await fake.publish_bar(*minute(n, "AAPL"))
    assert len(seen) == 1

    quiet_since = time.monotonic() - 300  # five minutes without a bar
    bars = BarClock()
    monkeypatch.setattr(bars, "_last", quiet_since)
    alerts = Alerts()
    broker = sdk_broker(fake)
    watch = EngineWatch(
        alerts, broker, CallHealth(), bars, 3, 120, started=quiet_since, market_data=market_data
    )
    try:
        await watch.check()
    finally:
        await broker.close()
    await count_at_least(seen, 4)
    reader.cancel()
    assert [b.time for b in seen] == [T0 + timedelta(minutes=n) for n in range(4)]
    assert fake.data_logins == 2
    assert [event for event, _ in alerts.sent] == ["stale_data"]


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, event: str, message: str, details: dict[str, Any] | None = None) -> None:
        self.sent.append((event, message))


async def test_a_longer_timeframe_stays_aligned_across_a_backfill(fake: FakeAlpaca) -> None:
    data = AlpacaMarketData(sdk_market_data(fake)._config.model_copy(update={"timeframe": "5Min"}))
    seen: list[Bar] = []
    reader = asyncio.ensure_future(collect(data.stream(["AAPL"]), seen))
    await fake.wait_until(lambda: fake.data_listeners == 1)
    for n in range(3):
        await fake.publish_bar(*minute(n, "AAPL"))
    fake.data_outage(True)
    await fake.drop_streams()
    for n in range(3, 8):  # the rest of the first bar and most of the second, missed
        await fake.publish_bar(*minute(n, "AAPL"))
    fake.data_outage(False)
    await fake.wait_until(lambda: fake.data_listeners == 1, within=30)
    for n in range(8, 10):
        await fake.publish_bar(*minute(n, "AAPL"))
    await count_at_least(seen, 2)
    reader.cancel()
    assert [(b.time, b.open, b.high, b.low, b.close, b.volume) for b in seen] == [
        (T0, 100, 105, 99, 104.5, 60),
        (T0 + timedelta(minutes=5), 105, 110, 104, 109.5, 85),
    ]
