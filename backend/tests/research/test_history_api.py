"""The dashboard's path: fill the cache from the double, read its coverage, backtest on it."""

from __future__ import annotations

import httpx

from tests.api.test_backtests_api import finished
from tests.fakealpaca.data_api import FakeAlpacaData

Headers = dict[str, str]
TEN_YEARS = {"symbols": ["AAPL", "MSFT"], "start": "2016-01-01", "end": "2026-01-01"}


async def test_fetch_coverage_backtest_and_no_second_request(
    keyed: tuple[httpx.AsyncClient, FakeAlpacaData], auth_headers: Headers
) -> None:
    client, data = keyed
    fetched = await client.post("/api/history/fetch", json=TEN_YEARS, headers=auth_headers)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == {"source": "alpaca", "requested": 1, "stored": 5218}
    coverage = (await client.get("/api/history/coverage", headers=auth_headers)).json()
    assert [(c["symbol"], c["bars"]) for c in coverage] == [("AAPL", 2609), ("MSFT", 2609)]
    requests = len(data.requests)

    body = {
        "strategy": "sma_crossover",
        "data": {"source": "history", **TEN_YEARS, "timeframe": "1Day"},
    }
    started = await client.post("/api/backtests", json=body, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await finished(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    result = job["result"]
    assert result["symbols"] == ["AAPL", "MSFT"]
    assert len(result["bars"]["AAPL"]) == 2609
    assert len(data.requests) == requests  # the backtest read the cache only


async def test_history_errors_name_the_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    async def field(path: str, body: object) -> str:
        response = await client.post(path, json=body, headers=auth_headers)
        assert response.status_code == 422, response.text
        return str(response.json()["error"]["details"][0]["field"])

    missing = {"strategy": "sma_crossover", "data": {"source": "history", **TEN_YEARS}}
    assert await field("/api/backtests", missing) == "data.symbols"
    assert await field("/api/history/fetch", {**TEN_YEARS, "timeframe": "7Sec"}) == "timeframe"
    assert (
        await field("/api/backtests", {"strategy": "sma_crossover", "data": {"source": "x"}})
        == "data"
    )
