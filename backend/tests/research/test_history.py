"""History through alpaca-py against the bars double, cached in PostgreSQL, fetched once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from socketio import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.research.history import HistoryCache, MissingHistory, merge, missing
from app.research.sources import AlpacaHistory, HistoryError, SimulatedHistory
from tests.fakealpaca.data_api import Actions, FakeAlpacaData
from tests.fakealpaca.server import KEY_ID, SECRET

MATERIAL = Path(__file__).parents[1] / "fakealpaca" / "material" / "stock_bars_multisymbol.json"
START, END = datetime(2016, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
ACTIONS = {"AAPL": Actions(splits={date(2020, 8, 31): 4.0}), "MSFT": Actions()}


def day(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
async def data() -> AsyncIterator[FakeAlpacaData]:
    async with FakeAlpacaData(ACTIONS, page_cap=1_000) as server:
        yield server


@pytest.fixture
def sessions(api_app: tuple[FastAPI, ASGIApp]) -> async_sessionmaker[AsyncSession]:
    made: async_sessionmaker[AsyncSession] = api_app[0].state.sessions
    return made


def alpaca(data: FakeAlpacaData, feed: str = "iex") -> AlpacaHistory:
    return AlpacaHistory(KEY_ID, SECRET, feed=feed, data_url=data.base_url, retry_wait_seconds=0)  # type: ignore[arg-type]


async def test_the_double_answers_in_the_recorded_shape(data: FakeAlpacaData) -> None:
    recorded = json.loads(MATERIAL.read_text())["payload"]
    headers = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
    query = {"symbols": "AAPL,TSLA", "timeframe": "1Day", "feed": "iex"}
    query |= {"start": "2022-02-01T00:00:00Z", "end": "2022-03-09T00:00:00Z"}
    async with httpx.AsyncClient(base_url=data.base_url, headers=headers) as http:
        served = (await http.get("/v2/stocks/bars", params=query)).json()
        throttled = await http.get("/v2/stocks/bars", params=query | {"feed": "sip"})
    assert set(served) == set(recorded)
    assert set(served["bars"]) == set(recorded["bars"])
    mine, theirs = served["bars"]["AAPL"][-1], recorded["bars"]["AAPL"][0]
    assert {k: type(v) for k, v in mine.items()}.keys() == theirs.keys()
    assert mine["t"] == theirs["t"] == "2022-03-09T05:00:00Z"  # the end is inclusive
    assert throttled.status_code == 403


def test_gaps_between_covered_ranges() -> None:
    a, b, c, d = day("2020-01-01"), day("2020-02-01"), day("2020-03-01"), day("2020-04-01")
    assert merge([(c, d), (a, b), (b, c)]) == [(a, d)]
    assert missing([(b, c)], a, d) == [(a, b), (c, d)]
    assert missing([(a, d)], b, c) == []


async def test_ten_years_fetched_once_then_only_the_missing_range(
    data: FakeAlpacaData, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cache = HistoryCache(sessions, alpaca(data))
    seen: list[tuple[int, int]] = []
    first = await cache.ensure(
        ["aapl", "MSFT"], "1Day", START, END, progress=lambda _, n, t: seen.append((n, t))
    )
    assert first.requested == 1 and seen == [(1, 1)]
    pages = len(data.requests)
    assert pages == -(-first.stored // 1_000) > 1  # alpaca-py followed every next_page_token
    assert {q["adjustment"] for q in data.requests} == {"all"} and data.requests[0]["feed"] == "iex"

    again = await cache.ensure(["AAPL", "MSFT"], "1Day", START, END)
    assert again.requested == 0 and len(data.requests) == pages  # a repeat makes no request
    frame = await cache.frame("AAPL", "1Day", START, END)
    assert len(frame) == first.stored // 2 > 2_500

    await cache.ensure(["AAPL"], "1Day", day("2015-01-01"), END)
    extra = data.requests[pages:]
    assert [(q["start"][:10], q["end"][:10]) for q in extra] == [("2015-01-01", "2016-01-01")]
    coverage = {c.symbol: c for c in await cache.coverage()}
    assert coverage["AAPL"].ranges == [(day("2015-01-01"), END)]
    assert coverage["MSFT"].ranges == [(START, END)] and coverage["MSFT"].sources == ["alpaca"]
    with pytest.raises(MissingHistory, match=r"MSFT for 2015-01-01\.\.2016-01-01"):
        await cache.frame("MSFT", "1Day", day("2015-01-01"), END)


async def test_split_adjusted_by_default_raw_on_request(
    data: FakeAlpacaData, sessions: async_sessionmaker[AsyncSession]
) -> None:
    cache = HistoryCache(sessions, alpaca(data))
    window = (day("2020-08-24"), day("2020-09-05"))
    await cache.ensure(["AAPL"], "1Day", *window)
    await cache.ensure(["AAPL"], "1Day", *window, adjustment="raw")
    adjusted = await cache.frame("AAPL", "1Day", *window)
    raw = await cache.frame("AAPL", "1Day", *window, adjustment="raw")
    before = 4  # 2020-08-28, the Friday before the 4:1 split
    assert raw.close[before] / adjusted.close[before] == pytest.approx(4.0, rel=1e-5)
    assert raw.volume[before] * 4 == pytest.approx(adjusted.volume[before], abs=4)
    assert raw.close[before + 1] == pytest.approx(adjusted.close[before + 1], rel=1e-5)


async def test_rate_limits_are_waited_out_and_refusals_named(
    data: FakeAlpacaData, sessions: async_sessionmaker[AsyncSession]
) -> None:
    data.throttle(2)
    cache = HistoryCache(sessions, alpaca(data))
    report = await cache.ensure(["MSFT"], "1Day", day("2024-01-01"), day("2024-02-01"))
    assert report.stored == 23 and len(data.requests) == 3
    with pytest.raises(HistoryError, match="subscription does not permit"):
        await HistoryCache(sessions, alpaca(data, "sip")).ensure(
            ["MSFT"], "1Day", day("2023-01-01"), day("2023-02-01")
        )


async def test_offline_the_simulated_market_fills_the_same_cache(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    cache = HistoryCache(sessions, SimulatedHistory(seed=3))
    await cache.ensure(["SIMA"], "1Hour", day("2025-01-01"), day("2025-01-03"))
    frame = await cache.frame("SIMA", "1Hour", day("2025-01-01"), day("2025-01-03"))
    assert len(frame) == 48
    assert (await cache.coverage())[0].sources == ["simulated"]


async def test_minute_and_hour_bars_of_the_sessions_paged(
    data: FakeAlpacaData, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A week of January 2025 (New York on EST): sessions 14:30 to 21:00 UTC, 390 minutes a day,
    seven hourly buckets from 14:00; the minutes start at the day's open, end at its close."""
    cache = HistoryCache(sessions, alpaca(data))
    week = day("2025-01-06"), day("2025-01-11")
    minutes = await cache.ensure(["AAPL"], "1Min", *week, adjustment="raw")
    assert minutes.stored == 5 * 390
    assert len(data.requests) == 2 and data.requests[0]["timeframe"] == "1Min"  # 1,000 a page
    frame = await cache.frame("AAPL", "1Min", *week, adjustment="raw")
    assert str(frame.time[0]) == "2025-01-06T14:30:00.000000"
    assert str(frame.time[389]) == "2025-01-06T20:59:00.000000"
    daily = {b["t"][:10]: b for b in data.bars_of("AAPL", "raw")}["2025-01-06"]
    assert (frame.open[0], frame.close[389]) == (daily["o"], daily["c"])
    assert daily["l"] <= frame.low[:390].min() <= frame.high[:390].max() <= daily["h"]

    await cache.ensure(["AAPL"], "1Hour", *week, adjustment="raw")
    hours = await cache.frame("AAPL", "1Hour", *week, adjustment="raw")
    assert len(hours) == 5 * 7 and str(hours.time[0]) == "2025-01-06T14:00:00.000000"
    assert (hours.open[0], hours.close[0]) == (frame.open[0], frame.close[29])  # 14:30-14:59
    assert hours.high[1] == frame.high[30:90].max() and hours.low[1] == frame.low[30:90].min()
    headers = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}
    async with httpx.AsyncClient(base_url=data.base_url, headers=headers) as http:
        query = {"symbols": "AAPL", "timeframe": "61Min", "feed": "iex"}
        refused = await http.get("/v2/stocks/bars", params=query)
    assert refused.status_code == 400 and "61Min" in refused.json()["message"]
