"""Minute bars folded into longer bars, aligned like Alpaca's own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain import Bar
from app.marketdata.aggregate import BarAggregator, bucket_start

OPEN = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)  # 09:30 in New York


def minute(n: int, price: float, symbol: str = "AAPL") -> Bar:
    return Bar(symbol, OPEN + timedelta(minutes=n), price, price + 1, price - 1, price, 100)


def test_buckets_follow_the_new_york_clock() -> None:
    assert bucket_start(OPEN + timedelta(minutes=7), timedelta(minutes=5)) == OPEN + timedelta(
        minutes=5
    )
    assert bucket_start(OPEN, timedelta(hours=1)) == OPEN - timedelta(minutes=30)  # 09:00 bar
    day = bucket_start(OPEN + timedelta(hours=6), timedelta(days=1))
    assert day == datetime(2026, 3, 2, 5, tzinfo=UTC)  # New York midnight (EST)


def test_five_minute_bars_close_on_their_last_minute_with_ohlcv_of_all_five() -> None:
    folder = BarAggregator("5Min")
    out = [bar for n in range(10) for bar in folder.add(minute(n, 100 + n))]
    assert [b.time for b in out] == [OPEN, OPEN + timedelta(minutes=5)]
    first = out[0]
    assert (first.open, first.high, first.low, first.close, first.volume) == (
        100,
        105,
        99,
        104,
        500,
    )


def test_a_gap_closes_the_bucket_when_a_later_minute_arrives() -> None:
    folder = BarAggregator("5Min")
    assert folder.add(minute(0, 100)) == []
    assert folder.add(minute(2, 102)) == []  # minutes 3 and 4 had no trade
    [closed] = folder.add(minute(6, 106))
    assert (closed.time, closed.close) == (OPEN, 102)


def test_symbols_are_folded_apart_and_one_minute_passes_through() -> None:
    folder = BarAggregator("5Min")
    folder.add(minute(0, 100, "AAPL"))
    assert folder.add(minute(4, 50, "MSFT")) == [
        Bar("MSFT", OPEN, 50, 51, 49, 50, 100)
    ]  # its only minute was the last one
    assert BarAggregator("1Min").add(minute(3, 1)) == [minute(3, 1)]
    with pytest.raises(ValueError, match="understood"):
        BarAggregator("5Sec")
