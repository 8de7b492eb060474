"""Backtests run as background jobs on simulated or uploaded bars; bad input names the field."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from app.backtest import load_csv, run
from app.backtest.cli import table
from app.research.backtests import chart_bars, simulated_frame
from app.schemas.backtests import SimulatedData
from app.strategies import BarFrame, build

Headers = dict[str, str]


async def finished(client: httpx.AsyncClient, headers: Headers, job_id: str) -> dict[str, Any]:
    async with asyncio.timeout(30):
        while True:
            job = (await client.get(f"/api/backtests/{job_id}", headers=headers)).json()
            if job["status"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.1)


def assert_bars_match(bars: list[dict[str, Any]], frame: BarFrame) -> None:
    """The chart bars are every bar backtested, first and last as the data has them."""
    assert len(bars) == len(frame)
    for bar, index in ((bars[0], 0), (bars[-1], len(frame) - 1)):
        assert bar["time"].replace("Z", "+00:00") == frame.time_at(index).isoformat()
        assert [bar["open"], bar["high"], bar["low"], bar["close"]] == [
            frame.open[index],
            frame.high[index],
            frame.low[index],
            frame.close[index],
        ]


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
        "data": {"source": "simulated", "symbol": "SIMA", "bars": 1500, "seed": 3},
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
    assert list(job["result"]["bars"]) == ["SIMA"]
    assert_bars_match(job["result"]["bars"]["SIMA"], frame)


async def test_uploaded_csv_backtest(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    text = csv_text()
    files = {"file": ("xyz.csv", text.encode(), "text/csv")}
    form = {"strategy": "rsi_reversion", "symbol": "xyz", "config": '{"cash": 5000}'}
    started = await client.post("/api/backtests", data=form, files=files, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await finished(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    assert job["spec"]["upload"] == {"filename": "xyz.csv", "symbol": "XYZ"}
    frame = load_csv(text.encode(), "XYZ")
    expected = run(build("rsi_reversion"), [frame], job_config(5000))
    assert job["result"]["metrics"]["final_equity"] == expected.metrics["final_equity"]
    assert list(job["result"]["bars"]) == ["XYZ"]
    assert_bars_match(job["result"]["bars"]["XYZ"], frame)


def test_long_runs_chart_as_merged_candles_within_the_limit() -> None:
    frame = simulated_frame(SimulatedData(bars=1002, seed=5))
    candles = chart_bars(frame, limit=100)
    assert len(candles) == 92  # eleven bars a candle, the last one holds the one left over
    assert candles[0].time == frame.time_at(0) and candles[1].time == frame.time_at(11)
    assert candles[0].open == frame.open[0] and candles[0].close == frame.close[10]
    assert candles[0].high == frame.high[:11].max() and candles[0].low == frame.low[:11].min()
    last = candles[-1]
    assert (last.time, last.open, last.close) == (
        frame.time_at(1001),
        frame.open[1001],
        frame.close[1001],
    )


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
    for share in (0, 1.5, "lots"):  # a share of the bar's volume: above 0, at most 1
        capped = {"strategy": "sma_crossover", "config": {"max_volume_share": share}}
        response = await post("/api/backtests", json=capped, headers=auth_headers)
        assert await fields(response) == ["config.max_volume_share"]
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
