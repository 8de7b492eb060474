"""Hostile input gets a 4xx naming the problem, never a 5xx: characters PostgreSQL refuses, JSON too
deep or too large, oversized CSV cells and files, booleans for numbers, an unconfirmed kill switch,
and a database that is away (503)."""

import json

import httpx
import pytest

from app.backtest import data as csv_data
from app.core.input_guard import json_depth
from tests.support.services import PostgresServer

Headers = dict[str, str]


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("GET", "/api/audit?entity=%00", None, "entity"),
        ("GET", "/api/orders?symbol=A%00B", None, "symbol"),
        (
            "POST",
            "/api/strategies/instances",
            {"strategy": "sma_crossover", "symbol": "AAPL", "name": "bad\u0000name"},
            "name",
        ),
        (
            "POST",
            "/api/strategies/instances",
            {"strategy": "sma_crossover", "symbol": "AAPL", "params": {"fast\u0000": 3}},
            "params.fast?",
        ),
        (
            "POST",
            "/api/orders",
            {"symbol": "AAPL", "side": "buy", "qty": 1, "client_order_id": "\ud800"},
            "client_order_id",
        ),
    ],
)
async def test_text_postgresql_refuses_is_422_naming_the_field(
    client: httpx.AsyncClient,
    auth_headers: Headers,
    method: str,
    url: str,
    body: object,
    field: str,
) -> None:
    content = None if body is None else json.dumps(body).encode()
    response = await client.request(
        method, url, content=content, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == field


async def test_json_nested_1000_deep_is_refused_before_parsing(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    deep = b'{"strategy": "sma_crossover", "params": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = await client.post(
        "/api/backtests", content=deep, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert "nested deeper than 32" in response.json()["error"]["message"]


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": [1, {"b": "[[[[{{{{\\"]]"}]}') == 3
    assert json_depth(b"[]") == 1
    assert json_depth(b'"plain"') == 0


async def test_json_over_the_json_limit_is_413(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    big = json.dumps({"strategy": "sma_crossover", "params": {"x": "a" * (1024 * 1024)}})
    response = await client.post(
        "/api/backtests", content=big, headers={**auth_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert "JSON bodies are limited" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ("x" * 200_000, "field larger than field limit"),
        ("x" * 5_000, "a cell over 1000 characters"),
        ("a\x00b", "is not a number"),
    ],
)
async def test_csv_with_an_oversized_or_nul_cell_is_422(
    client: httpx.AsyncClient, auth_headers: Headers, cells: str, expected: str
) -> None:
    text = f"timestamp,open,high,low,close,volume\n2024-01-02,{cells},1,1,1,1\n"
    files = {"file": ("big.csv", text.encode(), "text/csv")}
    form = {"strategy": "sma_crossover", "symbol": "BIG"}
    response = await client.post("/api/backtests", data=form, files=files, headers=auth_headers)
    assert response.status_code == 422, response.text
    assert expected in response.json()["error"]["message"]
    assert "row 2" in response.json()["error"]["message"]


async def test_csv_with_too_many_rows_is_422(
    client: httpx.AsyncClient, auth_headers: Headers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_data, "MAX_ROWS", 3)
    rows = "".join(f"2024-01-0{day},1,1,1,1,1\n" for day in range(1, 6))
    files = {"file": ("long.csv", f"timestamp,open,high,low,close,volume\n{rows}".encode())}
    form = {"strategy": "sma_crossover", "symbol": "LONG"}
    response = await client.post("/api/backtests", data=form, files=files, headers=auth_headers)
    assert response.status_code == 422
    assert "more than 3 bars" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("POST", "/api/orders", {"symbol": "AAPL", "side": "buy", "qty": True}, "qty"),
        (
            "POST",
            "/api/orders",
            {"symbol": "AAPL", "side": "buy", "qty": 1, "type": "limit", "limit_price": True},
            "limit_price",
        ),
        (
            "POST",
            "/api/strategies/instances",
            {"strategy": "sma_crossover", "symbol": "AAPL", "params": {"fast": True}},
            "params.fast",
        ),
        (
            "POST",
            "/api/backtests",
            {"strategy": "sma_crossover", "config": {"cash": True}},
            "config.cash",
        ),
    ],
)
async def test_a_boolean_is_not_a_number(
    client: httpx.AsyncClient,
    auth_headers: Headers,
    method: str,
    url: str,
    body: object,
    field: str,
) -> None:
    response = await client.request(method, url, json=body, headers=auth_headers)
    assert response.status_code == 422, response.text
    assert field in [detail["field"] for detail in response.json()["error"]["details"]]
    assert "not true or false" in response.text


async def test_booleans_are_refused_as_risk_numbers(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    current = (await client.get("/api/risk", headers=auth_headers)).json()
    for field in ("risk_per_trade", "max_open_positions", "daily_loss_limit"):
        response = await client.put(
            "/api/risk", json={**current, field: True}, headers=auth_headers
        )
        assert response.status_code == 422
        assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    audit = (await client.get("/api/audit?action=risk_update", headers=auth_headers)).json()
    assert audit["total"] == 0


@pytest.mark.parametrize("body", [None, {}, {"flatten": False}, {"confirm": "yes"}])
async def test_the_kill_switch_needs_its_confirmation(
    client: httpx.AsyncClient, auth_headers: Headers, body: object
) -> None:
    response = await client.post("/api/engine/kill", json=body, headers=auth_headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] in ("body", "confirm")
    audit = (await client.get("/api/audit?action=kill_switch", headers=auth_headers)).json()
    assert audit["total"] == 0


async def test_orders_with_the_database_down_are_503_then_work_again(
    client: httpx.AsyncClient, auth_headers: Headers, postgres: PostgresServer
) -> None:
    order = {"symbol": "AAPL", "side": "buy", "qty": 1, "type": "limit", "limit_price": 1.0}
    postgres.stop()
    try:
        placed = await client.post("/api/orders", json=order, headers=auth_headers)
        listed = await client.get("/api/orders", headers=auth_headers)
    finally:
        postgres.restart()
    for response in (placed, listed):
        assert response.status_code == 503, response.text
        assert response.json()["error"]["code"] == "dependency_unavailable"
        assert response.headers["Retry-After"] == "5"
    again = await client.post("/api/orders", json=order, headers=auth_headers)
    assert again.status_code == 201, again.text
