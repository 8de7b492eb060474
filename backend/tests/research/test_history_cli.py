"""`python -m app.cli history fetch` against the bars double: progress, then coverage."""

from __future__ import annotations

import asyncio
import os
import sys

from app.core.config import Settings
from tests.conftest import BACKEND_DIR
from tests.fakealpaca.data_api import FakeAlpacaData
from tests.fakealpaca.server import KEY_ID, SECRET


async def cli(
    settings: Settings, *args: str, command: str = "history", **env: str
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app.cli",
        command,
        *args,
        cwd=BACKEND_DIR,
        env={**os.environ, "DATABASE_URL": settings.database_url, "ENVIRONMENT": "test", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    return process.returncode or 0, out.decode(), err.decode()


async def test_fetch_aapl_and_msft_for_ten_years_then_nothing_more(settings: Settings) -> None:
    async with FakeAlpacaData() as data:
        keys = {"ALPACA_API_KEY": KEY_ID, "ALPACA_SECRET_KEY": SECRET}
        keys["ALPACA_DATA_URL"] = data.base_url
        args = ("fetch", "AAPL,MSFT", "--start", "2016-01-01", "--end", "2026-01-01")
        code, out, err = await cli(settings, *args, **keys)
        assert code == 0, err
        assert "alpaca bars" in err and "1/1" in err  # the progress bar
        lines = out.splitlines()
        assert lines[0] == "5218 bars stored from 1 request(s)"
        assert lines[1].split()[:5] == ["AAPL", "1Day", "all", "2609", "bars"]
        assert lines[1].endswith("2016-01-01..2026-01-01")
        requests = len(data.requests)
        code, out, _ = await cli(settings, *args, **keys)
        assert out.splitlines()[0] == "0 bars stored from 0 request(s)"
        assert len(data.requests) == requests


async def test_offline_fetch_and_a_bad_timeframe(settings: Settings) -> None:
    code, out, _ = await cli(
        settings,
        "fetch",
        "SIMA",
        "--start",
        "2025-01-01",
        "--end",
        "2025-01-02",
        "--timeframe",
        "1Hour",
    )
    assert code == 0 and out.splitlines()[0] == "24 bars stored from 1 request(s)"
    code, _, err = await cli(
        settings, "fetch", "SIMA", "--start", "2025-01-01", "--timeframe", "7Sec"
    )
    assert code == 2 and "use <n>Min" in err


async def test_fetch_minute_bars_from_the_double(settings: Settings) -> None:
    async with FakeAlpacaData(page_cap=500) as data:
        keys = {"ALPACA_API_KEY": KEY_ID, "ALPACA_SECRET_KEY": SECRET}
        keys["ALPACA_DATA_URL"] = data.base_url
        args = ("fetch", "MSFT", "--start", "2025-01-06", "--end", "2025-01-08")
        code, out, err = await cli(settings, *args, "--timeframe", "1Min", **keys)
        assert code == 0, err
        assert out.splitlines()[0] == "780 bars stored from 1 request(s)"  # two sessions
        assert [q["timeframe"] for q in data.requests] == ["1Min"] * 2  # 500 a page
        assert out.splitlines()[1].split()[:4] == ["MSFT", "1Min", "all", "780"]
