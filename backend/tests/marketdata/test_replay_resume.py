"""A replay asked for a new symbol set mid-run continues where it stands, never going back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain import Bar
from app.marketdata.replay import ReplayMarketData

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


async def take(market: ReplayMarketData, symbols: list[str], n: int) -> list[Bar]:
    bars: list[Bar] = []
    async for bar in market.stream(symbols):
        bars.append(bar)
        if len(bars) == n:
            break
    return bars


async def test_second_stream_resumes_after_the_newest_bar_played() -> None:
    market = ReplayMarketData.simulated(seed=3, speed=0, start=START, warmup_bars=30)
    first = await take(market, ["SIMA"], 10)
    assert first[-1].time == START + timedelta(minutes=9)

    resumed = await take(market, ["SIMA", "SIMC"], 4)  # an instance on SIMC was added
    assert [b.time for b in resumed] == [START + timedelta(minutes=10)] * 2 + [
        START + timedelta(minutes=11)
    ] * 2
    untouched = ReplayMarketData.simulated(seed=3, speed=0, start=START, warmup_bars=30)
    assert resumed[0] == (await take(untouched, ["SIMA"], 11))[-1]  # same prices, just later

    history = await market.history(
        "SIMC", "1Min", START - timedelta(hours=1), START + timedelta(hours=1)
    )
    assert history[-1].time == START + timedelta(minutes=11)  # warm-up reaches where play stands
    assert history[0].time == START - timedelta(minutes=30)
