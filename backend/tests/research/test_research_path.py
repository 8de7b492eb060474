"""A user's whole research path against the Alpaca bars double: ten years of AAPL and MSFT
daily bars fetched, backtested, searched with walk-forward, the best set saved as a strategy
instance and enabled; once through the API (as the dashboard calls it), once through the CLI."""

from __future__ import annotations

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.models import StrategyInstanceRecord
from tests.api.test_backtests_api import finished
from tests.fakealpaca.data_api import FakeAlpacaData
from tests.fakealpaca.server import KEY_ID, SECRET
from tests.research.test_history_api import TEN_YEARS
from tests.research.test_history_cli import cli
from tests.research.test_search_api import settled

Headers = dict[str, str]
GRID = {"fast": [5, 10], "slow": [30, 60]}


async def test_the_api_path(
    keyed: tuple[httpx.AsyncClient, FakeAlpacaData], auth_headers: Headers
) -> None:
    client, _ = keyed
    fetched = await client.post("/api/history/fetch", json=TEN_YEARS, headers=auth_headers)
    assert fetched.status_code == 200, fetched.text
    data = {"source": "history", **TEN_YEARS, "timeframe": "1Day", "adjustment": "all"}
    run = await client.post(
        "/api/backtests", json={"strategy": "sma_crossover", "data": data}, headers=auth_headers
    )
    assert run.status_code == 202, run.text
    assert (await finished(client, auth_headers, run.json()["id"]))["status"] == "done"

    body = {"strategy": "sma_crossover", "grid": GRID, "data": data}
    body["walk_forward"] = {"folds": 2, "in_sample_share": 0.75}
    started = await client.post("/api/research/searches", json=body, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await settled(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    assert len(job["trials"]) == 4 and len(job["walk_forward"]["folds"]) == 2
    chosen = job["best"]["params"]
    made = await client.post(
        "/api/strategies/instances",
        json={"strategy": "sma_crossover", "symbol": "AAPL", "params": chosen, "enabled": False},
        headers=auth_headers,
    )
    assert made.status_code == 201, made.text
    enabled = await client.patch(
        f"/api/strategies/instances/{made.json()['id']}",
        json={"enabled": True},
        headers=auth_headers,
    )
    assert enabled.status_code == 200, enabled.text
    assert (enabled.json()["enabled"], enabled.json()["params"]) == (True, chosen)


async def test_the_cli_path(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
    async with FakeAlpacaData() as data:
        keys = {"ALPACA_API_KEY": KEY_ID, "ALPACA_SECRET_KEY": SECRET}
        keys["ALPACA_DATA_URL"] = data.base_url
        span = ("--start", TEN_YEARS["start"], "--end", TEN_YEARS["end"])
        code, _, err = await cli(settings, "fetch", "AAPL,MSFT", *span, **keys)
        assert code == 0, err
        grid = ("--grid", "fast=5,10", "--grid", "slow=30,60", "--folds", "2")
        saved = ("--instance", "researched", "--enable")
        code, out, err = await cli(
            settings, "sma_crossover", "AAPL,MSFT", *span, *grid, *saved, command="search", **keys
        )
        assert code == 0, err
    lines = out.splitlines()
    assert len([line for line in lines if " score " in line]) == 4
    assert any(line.startswith("walk-forward: in-sample ") for line in lines)
    best = next(line for line in lines if line.startswith("best: "))
    assert lines[-1].endswith("'researched' on AAPL saved, enabled")
    async with sessions() as session:
        row = await session.scalar(
            select(StrategyInstanceRecord).where(StrategyInstanceRecord.name == "researched")
        )
    assert row is not None and row.enabled and row.symbol == "AAPL"
    assert best.startswith(f"best: {row.params}")
