"""Orders, positions and the account through the API, on the simulated exchange."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from socketio import ASGIApp
from sqlalchemy import event, text

from app.brokers.base import OrderQuery
from app.engine.service import EngineService

Headers = dict[str, str]


def exchange_of(api_app: tuple[FastAPI, ASGIApp]) -> EngineService:
    engine: EngineService = api_app[0].state.engine
    return engine


def tick(engine: EngineService, symbol: str, price: float, minutes: int) -> None:
    """A print at the simulated exchange, as the market data feed would deliver it."""
    at = datetime(2026, 3, 2, 15, tzinfo=UTC) + timedelta(minutes=minutes)
    engine.broker.on_price(symbol, price, at)


async def audit_actions(client: httpx.AsyncClient, headers: Headers) -> list[tuple[str, str]]:
    query = {"actor": "admin", "limit": 500}
    page = (await client.get("/api/audit", headers=headers, params=query)).json()
    return [(entry["actor"], entry["action"]) for entry in page["items"]]


async def test_manual_order_lifecycle_and_audit(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    engine = exchange_of(api_app)
    tick(engine, "SIMA", 100.0, 0)
    body = {"symbol": "sima", "side": "buy", "qty": 3, "type": "limit", "limit_price": 90}
    created = await client.post("/api/orders", json=body, headers=auth_headers)
    assert created.status_code == 201, created.text
    order = created.json()
    assert order["symbol"] == "SIMA" and order["status"] == "new" and order["source"] == "manual"
    assert order["broker_order_id"]

    listed = await client.get("/api/orders", params={"status": "open"}, headers=auth_headers)
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assert listed.json()["total"] == 1

    canceled = await client.delete(f"/api/orders/{order['id']}", headers=auth_headers)
    assert canceled.status_code == 202 and canceled.json()["status"] == "canceled"
    again = await client.delete(f"/api/orders/{order['id']}", headers=auth_headers)
    assert again.status_code == 409 and "order_id" in again.json()["error"]["message"]
    assert await audit_actions(client, auth_headers) == [
        ("admin", "order_cancel"),
        ("admin", "order_create"),
    ]


async def test_order_input_errors_name_the_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    limit_without_price = {"symbol": "SIMA", "side": "buy", "qty": 1, "type": "limit"}
    response = await client.post("/api/orders", json=limit_without_price, headers=auth_headers)
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["limit_price"]

    negative = {"symbol": "SIMA", "side": "buy", "qty": -1}
    response = await client.post("/api/orders", json=negative, headers=auth_headers)
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "qty"

    response = await client.get("/api/orders", params={"status": "done"}, headers=auth_headers)
    assert response.status_code == 422 and "status" in response.json()["error"]["message"]
    assert (await client.get("/api/orders/999", headers=auth_headers)).status_code == 404


async def test_client_order_id_makes_a_retried_request_idempotent(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    tick(exchange_of(api_app), "SIMA", 100.0, 0)
    body = {"symbol": "SIMA", "side": "buy", "qty": 1, "client_order_id": "my-order-1"}
    assert (await client.post("/api/orders", json=body, headers=auth_headers)).status_code == 201
    second = await client.post("/api/orders", json=body, headers=auth_headers)
    assert second.status_code == 409
    assert second.json()["error"]["code"] == "duplicate_client_order_id"
    assert len(await exchange_of(api_app).broker.get_orders()) == 1


async def test_broker_refusal_is_recorded_with_its_reason(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    tick(exchange_of(api_app), "SIMA", 100.0, 0)
    body = {"symbol": "SIMA", "side": "buy", "qty": 100_000}  # $10M on a $100k account
    response = await client.post("/api/orders", json=body, headers=auth_headers)
    assert response.status_code == 201
    assert response.json()["status"] == "rejected"
    assert "buying power" in response.json()["reject_reason"]


async def test_positions_account_and_closing(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    engine = exchange_of(api_app)
    tick(engine, "SIMB", 50.0, 0)
    body = {"symbol": "SIMB", "side": "buy", "qty": 10}
    assert (await client.post("/api/orders", json=body, headers=auth_headers)).status_code == 201
    tick(engine, "SIMB", 52.0, 1)  # the market order fills at this print

    positions = (await client.get("/api/positions", headers=auth_headers)).json()
    assert [(p["symbol"], p["qty"], p["market_price"]) for p in positions] == [("SIMB", 10.0, 52.0)]
    account = (await client.get("/api/account", headers=auth_headers)).json()
    assert account["data_source"] == "simulated" and account["market_open"] is True
    assert account["equity"] > account["cash"]

    too_many = await client.post(
        "/api/positions/SIMB/close", params={"qty": 11}, headers=auth_headers
    )
    assert too_many.status_code == 422 and too_many.json()["error"]["details"][0]["field"] == "qty"
    missing = await client.post("/api/positions/NOPE/close", headers=auth_headers)
    assert missing.status_code == 404
    closing = await client.post("/api/positions/SIMB/close", headers=auth_headers)
    assert closing.status_code == 202
    assert closing.json()["side"] == "sell" and closing.json()["qty"] == 10
    assert ("admin", "position_close") in await audit_actions(client, auth_headers)


async def test_a_list_page_and_its_total_are_one_statement_without_a_transaction(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    engine = exchange_of(api_app)
    tick(engine, "SIMA", 100.0, 0)
    for price in (80, 81, 82):
        body = {"symbol": "SIMA", "side": "buy", "qty": 1, "type": "limit", "limit_price": price}
        created = await client.post("/api/orders", json=body, headers=auth_headers)
        assert created.status_code == 201, created.text
    statements: list[str] = []

    def note(conn: object, cursor: object, statement: str, *_: object) -> None:
        statements.append(statement.split()[0].upper())

    sync_engine = api_app[0].state.db_engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", note)
    try:
        page = await client.get("/api/orders", params={"limit": 2}, headers=auth_headers)
        past = await client.get("/api/orders", params={"offset": 10}, headers=auth_headers)
    finally:
        event.remove(sync_engine, "before_cursor_execute", note)
    assert page.status_code == 200, page.text
    assert [o["limit_price"] for o in page.json()["items"]] == [82, 81]
    assert page.json()["total"] == 3
    assert past.json()["items"] == [] and past.json()["total"] == 3
    # The page: one SELECT (no BEGIN/ROLLBACK, no separate count); past the end, one more count.
    assert statements == ["SELECT", "SELECT", "SELECT"]


async def test_an_order_whose_audit_row_fails_is_neither_written_nor_sent(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    engine = exchange_of(api_app)
    tick(engine, "SIMA", 100.0, 0)
    refuse = [
        "CREATE FUNCTION refuse_order_audit() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
        "CREATE TRIGGER refuse_order_audit BEFORE INSERT ON audit_log FOR EACH ROW "
        "WHEN (NEW.action = 'order_create') EXECUTE FUNCTION refuse_order_audit()",
    ]
    async with api_app[0].state.sessions.begin() as session:
        for statement in refuse:
            await session.execute(text(statement))
    try:
        body = {"symbol": "SIMA", "side": "buy", "qty": 2, "client_order_id": "tb-audit-fails"}
        refused = await client.post("/api/orders", json=body, headers=auth_headers)
    finally:
        async with api_app[0].state.sessions.begin() as session:
            await session.execute(text("DROP FUNCTION refuse_order_audit() CASCADE"))

    assert refused.status_code >= 500, refused.text
    orders = await client.get("/api/orders", headers=auth_headers)
    assert orders.json()["total"] == 0  # the order's row rolled back with its audit row
    assert await audit_actions(client, auth_headers) == []
    assert await engine.broker.get_orders(OrderQuery.ALL) == []  # and nothing reached the broker
