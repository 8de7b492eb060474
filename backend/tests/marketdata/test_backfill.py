"""MinuteGaps: what a reconnect missed, asked of history once, handed on in order, never twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.brokers.base import BrokerUnavailable
from app.domain import Bar
from app.marketdata.backfill import MinuteGaps

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def bar(symbol: str, minute: int) -> Bar:
    return Bar(symbol, T0 + timedelta(minutes=minute), 1, 1, 1, 1, 1)


class History:
    """Every minute 0..59 of each symbol, with the requests made; SICK fails."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, datetime, datetime]] = []

    async def __call__(self, symbol: str, start: datetime, end: datetime) -> list[Bar]:
        self.asked.append((symbol, start, end))
        if symbol == "SICK":
            raise BrokerUnavailable("alpaca answered 503: down", maybe_processed=False)
        return [bar(symbol, m) for m in range(60) if start <= bar(symbol, m).time < end]


def test_a_bar_is_fresh_once_and_older_ones_are_not() -> None:
    gaps = MinuteGaps(["AAPL"], since=T0)
    assert [gaps.fresh(b) for b in (bar("AAPL", 1), bar("AAPL", 1), bar("AAPL", 0))] == [
        True,
        False,
        False,
    ]
    assert gaps.fresh(bar("MSFT", 0)) and gaps.fresh(bar("AAPL", 2))


async def test_the_gap_since_each_symbols_last_bar_comes_in_time_order_up_to_the_open_minute() -> (
    None
):
    gaps = MinuteGaps(["AAPL", "MSFT", "SICK"], since=T0 + timedelta(minutes=2))
    gaps.fresh(bar("AAPL", 3))
    history = History()
    now = T0 + timedelta(minutes=6, seconds=30)  # minute 6 is still open
    missed = await gaps.missed(history, now)
    assert [(b.time.minute - 30, b.symbol) for b in missed] == [
        (2, "MSFT"),
        (3, "MSFT"),
        (4, "AAPL"),
        (4, "MSFT"),
        (5, "AAPL"),
        (5, "MSFT"),
    ]
    end = T0 + timedelta(minutes=6)
    assert history.asked == [
        ("AAPL", T0 + timedelta(minutes=4), end),
        ("MSFT", T0 + timedelta(minutes=2), end),  # never seen: from the stream's start
        ("SICK", T0 + timedelta(minutes=2), end),  # failed: logged, the others still come
    ]
    assert not gaps.fresh(bar("MSFT", 5)) and await gaps.missed(history, now) == []
