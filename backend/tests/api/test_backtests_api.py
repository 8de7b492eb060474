"""Backtests run as background jobs on simulated or uploaded bars; bad input names the field."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.backtest import load_csv, run
from app.backtest.cli import table
from app.schemas.backtests import SimulatedData
from app.services.backtests import simulated_frame
from app.strategies import build

Headers = dict[str, str]


async def finished(client: httpx.AsyncClient, headers: Headers, job_id: str) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            job = (await client.get(f"/api/backtests/{job_id}", headers=headers)).json()
            if job["status"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.1)


def csv_text(bars: int = 300) -> str:
    frame = simulated_frame(SimulatedData(symbol="XYZ", bars=bars, seed=7))
    rows = ["timestamp,open,high,low,close,volume"]
    for i in range(len(frame)):
        rows.append(
            f"{frame.time_at(i).isoformat()},{frame.open[i]},{frame.high[i]},"
            f"{frame.low[i]},{frame.close[i]},{frame.volume[i]}"
        )
    return "\n".join(rows) + "\n"


async def test_json_backtest_on_the_simulated_market_matches_the_cli(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    body = {
        "strategy": "sma_crossover",
        "params": {"fast": 5, "slow": 20},
        "data": {"symbol": "SIMA", "bars": 1500, "seed": 3},
    }
    started = await client.post("/api/backtests", json=body, headers=auth_headers)
    assert started.status_code == 202, started.text
    assert started.json()["status"] == "queued"
    job = await finished(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]

    frame = simulated_frame(SimulatedData(symbol="SIMA", bars=1500, seed=3))
    expected = run(build("sma_crossover", {"fast": 5, "slow": 20}), [frame])
    assert job["result"]["report"] == table(expected)
    assert job["result"]["metrics"]["total_return"] == expected.metrics["total_return"]
    assert len(job["result"]["trades"]) == len(expected.trades) > 0


async def test_uploaded_csv_backtest(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    text = csv_text()
    files = {"file": ("xyz.csv", text.encode(), "text/csv")}
    form = {"strategy": "rsi_reversion", "symbol": "xyz", "config": '{"cash": 5000}'}
    started = await client.post("/api/backtests", data=form, files=files, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await finished(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["spec"]["upload"] == {"filename": "xyz.csv", "symbol": "XYZ"}
    expected = run(build("rsi_reversion"), [load_csv(text.encode(), "XYZ")], job_config(5000))
    assert job["result"]["metrics"]["final_equity"] == expected.metrics["final_equity"]


def job_config(cash: float):  # type: ignore[no-untyped-def]
    from app.backtest import BacktestConfig

    return BacktestConfig(cash=cash)


async def test_backtest_input_errors_name_the_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    async def fields(response: httpx.Response) -> list[str]:
        assert response.status_code == 422, response.text
        return [d["field"] for d in response.json()["error"]["details"]]

    post = client.post
    assert await fields(
        await post("/api/backtests", json={"strategy": "nope"}, headers=auth_headers)
    ) == ["strategy"]
    bad_bars = {"strategy": "sma_crossover", "data": {"bars": 5}}
    assert await fields(await post("/api/backtests", json=bad_bars, headers=auth_headers)) == [
        "data.bars"
    ]
    bad_csv = {"file": ("x.csv", b"timestamp,open\n1,2\n", "text/csv")}
    response = await post(
        "/api/backtests", data={"strategy": "sma_crossover"}, files=bad_csv, headers=auth_headers
    )
    assert await fields(response) == ["file"]
    no_file = await post(
        "/api/backtests",
        data={"strategy": "sma_crossover"},
        files={"other": ("a", b"")},
        headers=auth_headers,
    )
    assert await fields(no_file) == ["file"]
    assert (await client.get("/api/backtests/" + "0" * 32, headers=auth_headers)).status_code == 404
