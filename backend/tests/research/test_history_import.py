"""CSV imports into the history cache, through the API and the CLI, then a backtest on them."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from app.core.config import Settings
from tests.api.test_backtests_api import finished
from tests.research.test_history_cli import cli

Headers = dict[str, str]
FIRST = datetime(2024, 1, 1, tzinfo=UTC)


def daily_csv(days: int = 200, bad_row: int | None = None) -> str:
    """Daily bars of a wave (so a crossover trades); bad_row (spreadsheet numbering) gets a
    high below its low."""
    rows = ["date,open,high,low,close,volume"]
    for i in range(days):
        close = 100 + 10 * math.sin(i / 9)
        high, low = (close - 1, close + 1) if i + 2 == bad_row else (close + 1, close - 1)
        rows.append(f"{(FIRST + timedelta(days=i)):%Y-%m-%d},{close},{high},{low},{close},1000")
    return "\n".join(rows) + "\n"


async def upload(
    client: httpx.AsyncClient, headers: Headers, text: str, **form: str
) -> httpx.Response:
    files = {"file": ("bars.csv", text.encode(), "text/csv")}
    return await client.post("/api/history/import", data=form, files=files, headers=headers)


async def test_import_then_backtest_on_it(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    response = await upload(client, auth_headers, daily_csv(), symbol="own")
    assert response.status_code == 200, response.text
    assert response.json() == {
        "symbol": "OWN",
        "timeframe": "1Day",
        "adjustment": "raw",
        "stored": 200,
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-07-19T00:00:00Z",
    }
    coverage = (await client.get("/api/history/coverage", headers=auth_headers)).json()
    assert [(c["symbol"], c["bars"], c["sources"]) for c in coverage] == [("OWN", 200, ["csv"])]
    again = await upload(client, auth_headers, daily_csv(), symbol="OWN")
    assert again.status_code == 200, again.text
    coverage = (await client.get("/api/history/coverage", headers=auth_headers)).json()
    assert coverage[0]["bars"] == 200  # a second import of the same bars adds none

    data = {"source": "history", "symbols": ["OWN"], "start": "2024-01-01", "end": "2024-07-19"}
    body = {"strategy": "sma_crossover", "data": {**data, "adjustment": "raw"}}
    started = await client.post("/api/backtests", json=body, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await finished(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    assert len(job["result"]["bars"]["OWN"]) == 200
    assert job["result"]["metrics"]["trades"] > 0

    adjusted = {"strategy": "sma_crossover", "data": {**data, "adjustment": "all"}}
    refused = await client.post("/api/backtests", json=adjusted, headers=auth_headers)
    assert refused.status_code == 422  # imported raw: no adjusted bars of OWN are held
    assert "fetch them first" in refused.json()["error"]["details"][0]["message"]


async def test_bad_imports_name_the_row_or_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    async def refused(text: str, **form: str) -> tuple[str, str]:
        response = await upload(client, auth_headers, text, **form)
        assert response.status_code == 422, response.text
        detail = response.json()["error"]["details"][0]
        return str(detail["field"]), str(detail["message"])

    field, message = await refused(daily_csv(bad_row=7), symbol="OWN")
    assert field == "file" and "row 7" in message
    assert (await refused("date,open\n2024-01-01,1\n", symbol="OWN"))[0] == "file"
    assert (await refused(daily_csv(), symbol="no spaces"))[0] == "symbol"
    assert (await refused(daily_csv(), symbol="OWN", timeframe="7Sec"))[0] == "timeframe"
    assert (await refused(daily_csv(), symbol="OWN", adjustment="some"))[0] == "adjustment"
    as_json = await client.post("/api/history/import", json={}, headers=auth_headers)
    assert as_json.status_code == 415
    assert (await client.get("/api/history/coverage", headers=auth_headers)).json() == []


async def test_cli_import_then_coverage_and_a_bad_file(settings: Settings, tmp_path: Path) -> None:
    good, bad = tmp_path / "own.csv", tmp_path / "bad.csv"
    good.write_text(daily_csv())
    bad.write_text(daily_csv(bad_row=5))
    code, out, err = await cli(settings, "import", str(good), "--symbol", "own")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"200 bars of OWN stored from {good}"
    assert lines[1].split()[:4] == ["OWN", "1Day", "raw", "200"]
    assert lines[1].endswith("2024-01-01..2024-07-19")
    code, _, err = await cli(settings, "import", str(bad), "--symbol", "OWN")
    assert code == 1 and "row 5" in err, err
    code, _, err = await cli(settings, "import", str(tmp_path / "none.csv"), "--symbol", "OWN")
    assert code == 1 and "cannot read" in err, err
