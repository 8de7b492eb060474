"""ReplayMarketData: a reproducible simulated market and CSV playback, history without lookahead."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.domain import Bar
from app.marketdata.base import parse_timeframe
from app.marketdata.replay import ReplayMarketData
from app.marketdata.simulated import SimulatedMarket

START = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


async def take(market: ReplayMarketData, symbols: list[str], n: int) -> list[Bar]:
    """The first `n` bars of a stream (fewer if the replay ends first)."""
    bars: list[Bar] = []
    async for bar in market.stream(symbols):
        bars.append(bar)
        if len(bars) == n:
            break
    return bars


async def test_same_seed_same_market_other_seed_other_market() -> None:
    def make(seed: int) -> ReplayMarketData:
        return ReplayMarketData.simulated(seed=seed, speed=0, start=START, warmup_bars=10)

    first = await take(make(7), ["AAPL", "MSFT"], 40)
    again = await take(make(7), ["AAPL", "MSFT"], 40)
    other = await take(make(8), ["AAPL", "MSFT"], 40)
    assert first == again
    assert [b.close for b in first] != [b.close for b in other]
    assert make(7).source == "simulated"


async def test_stream_merges_symbols_in_time_order_from_the_start() -> None:
    market = ReplayMarketData.simulated(seed=1, speed=0, start=START, warmup_bars=0)
    bars = await take(market, ["AAPL", "MSFT", "SPY"], 30)
    assert bars[0].time == START
    assert [b.time for b in bars] == sorted(b.time for b in bars)
    assert {b.symbol for b in bars[:3]} == {"AAPL", "MSFT", "SPY"}
    assert bars[-1].time == START + timedelta(minutes=9)


async def test_history_ends_where_the_stream_begins_and_joins_it_seamlessly() -> None:
    market = ReplayMarketData.simulated(seed=3, speed=0, start=START, warmup_bars=120)
    history = await market.history(
        "AAPL", "1Min", START - timedelta(days=1), START + timedelta(days=1)
    )
    assert len(history) == 120
    assert history[-1].time == START - timedelta(minutes=1)
    [live] = await take(market, ["AAPL"], 1)
    assert live.time == START
    assert live.open == history[-1].close
    window = await market.history(
        "AAPL", "1Min", START - timedelta(minutes=5), START - timedelta(minutes=2)
    )
    assert [b.time for b in window] == [START - timedelta(minutes=m) for m in (5, 4, 3)]
    with pytest.raises(ValueError, match="does not match the replayed bars"):
        await market.history("AAPL", "5Min", START - timedelta(hours=1), START)


def test_simulated_bars_are_consistent_and_the_regimes_show() -> None:
    market = SimulatedMarket(seed=11, origin=START, start_prices={"AAPL": 100.0})
    bars = list(itertools.islice(market.bars("AAPL"), 5000))
    assert bars[0].open == 100.0
    assert all(b.low <= min(b.open, b.close) <= max(b.open, b.close) <= b.high for b in bars)
    assert all(b.low > 0 and b.volume > 0 for b in bars)
    ranges = [(b.high - b.low) / b.open for b in bars]
    hundreds = [sum(ranges[i : i + 100]) for i in range(0, 5000, 100)]
    assert max(hundreds) > 1.5 * min(hundreds)  # volatility differs between stretches


async def test_speed_paces_the_bars() -> None:
    market = ReplayMarketData.simulated(seed=5, speed=600, start=START, warmup_bars=0)
    began = time.monotonic()
    bars = await take(market, ["AAPL"], 4)
    assert len(bars) == 4
    assert time.monotonic() - began >= 0.3  # three one-minute steps at 600x


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("symbol,time,open,high,low,close,volume\n" + "\n".join(rows) + "\n")
    return path


async def test_csv_replay_serves_history_before_start_and_streams_the_rest(tmp_path: Path) -> None:
    rows = [
        f"aapl,2026-03-02T15:{m:02d}:00,{10 + m},{11 + m},{9 + m},{10.5 + m},100" for m in range(6)
    ]
    rows.append("MSFT,2026-03-02T15:03:00+00:00,50,51,49,50.5,10")
    path = write_csv(tmp_path / "bars.csv", rows)
    market = ReplayMarketData.from_csv(path, speed=0, warmup_bars=3)
    assert market.source == "replay"
    history = await market.history("AAPL", "1Min", START, START + timedelta(hours=1))
    assert [b.open for b in history] == [10, 11, 12]
    streamed = await take(market, ["AAPL", "MSFT"], 10)
    assert [(b.symbol, b.open) for b in streamed] == [
        ("AAPL", 13),
        ("MSFT", 50),
        ("AAPL", 14),
        ("AAPL", 15),
    ]


def test_bad_csv_and_bad_settings_are_named(tmp_path: Path) -> None:
    (tmp_path / "cols.csv").write_text("symbol,time,open,close\n")
    with pytest.raises(ValueError, match="missing column"):
        ReplayMarketData.from_csv(tmp_path / "cols.csv")
    bad = write_csv(tmp_path / "bad.csv", ["AAPL,2026-03-02T15:00:00,10,9,8,10,1"])
    with pytest.raises(ValueError, match=r"bad.csv:2: need low <= open"):
        ReplayMarketData.from_csv(bad)
    garbled = write_csv(tmp_path / "garbled.csv", ["AAPL,yesterday,10,11,9,10,1"])
    with pytest.raises(ValueError, match=r"garbled.csv:2"):
        ReplayMarketData.from_csv(garbled)
    empty = write_csv(tmp_path / "empty.csv", [])
    with pytest.raises(ValueError, match=r"empty.csv: no bars"):
        ReplayMarketData.from_csv(empty)
    with pytest.raises(ValueError, match="speed must be >= 0"):
        ReplayMarketData.simulated(speed=-1)
    with pytest.raises(ValueError, match="timeframe '2Weeks' is not understood"):
        parse_timeframe("2Weeks")
    assert parse_timeframe("15Min") == timedelta(minutes=15)


# A replay asked for a new symbol set mid-run continues where it stands, never going back.
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
