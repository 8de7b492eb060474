"""The analytics and export routes read the hand-worked ledger back from PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from socketio import ASGIApp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import (
    EquityPointRecord,
    FillRecord,
    OrderRecord,
    PositionSnapshotRecord,
    StrategyInstanceRecord,
)
from tests.research.fixtures import LEDGER, MARKS

Headers = dict[str, str]


@pytest.fixture
async def ledger(api_app: tuple[FastAPI, ASGIApp]) -> int:
    """The ledger's rows; its strategy instance's id (the engine may seed instances of its own)."""
    sessions: async_sessionmaker[AsyncSession] = api_app[0].state.sessions
    async with sessions() as session:
        instance = StrategyInstanceRecord(
            name="a", strategy="sma_crossover", symbol="AAPL", params={}
        )
        session.add(instance)
        await session.flush()
        for n, fill in enumerate(LEDGER):
            order = OrderRecord(
                client_order_id=f"c{n}",
                source="strategy" if fill.instance_id else "manual",
                strategy_instance_id=instance.id if fill.instance_id else None,
                symbol=fill.symbol,
                side=fill.side,
                type="market",
                time_in_force="day",
                qty=fill.qty,
                status="filled",
                filled_qty=fill.qty,
            )
            session.add(order)
            await session.flush()
            session.add(
                FillRecord(
                    order_id=order.id,
                    execution_id=f"e{n}",
                    symbol=fill.symbol,
                    side=fill.side,
                    qty=fill.qty,
                    price=fill.price,
                    commission=fill.commission,
                    filled_at=fill.time,
                )
            )
        for symbol, price in MARKS.items():
            for age, mark in ((1, Decimal(1)), (2, price)):  # the newest snapshot is the mark
                session.add(
                    PositionSnapshotRecord(
                        taken_at=datetime(2026, 2, 3, 16, age, tzinfo=UTC),
                        symbol=symbol,
                        qty=Decimal(2),
                        avg_entry_price=Decimal(45),
                        market_price=mark,
                    )
                )
        session.add(
            EquityPointRecord(
                time=datetime(2026, 2, 3, 16, tzinfo=UTC), equity=Decimal(10222), cash=Decimal(9000)
            )
        )
        await session.commit()
        return instance.id


async def test_pnl_report_by_instance(
    client: httpx.AsyncClient, auth_headers: Headers, ledger: int
) -> None:
    response = await client.get(
        "/api/analytics/pnl", params={"group_by": "instance"}, headers=auth_headers
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["total"]["realized_pnl"] == pytest.approx(222.0)
    assert report["total"]["unrealized_pnl"] == pytest.approx(4.0)
    assert report["total"]["max_drawdown"] == pytest.approx(15.6)
    assert {g["key"]: g["stats"]["realized_pnl"] for g in report["groups"]} == {
        str(ledger): pytest.approx(202.0),
        "manual": pytest.approx(20.0),
    }


@pytest.mark.usefixtures("ledger")
async def test_window_and_exports(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    feb = {"since": "2026-02-01T00:00:00Z"}
    trades = await client.get("/api/analytics/trades", params=feb, headers=auth_headers)
    assert [(t["symbol"], t["pnl"]) for t in trades.json()] == [("MSFT", 20.0)]

    exported = await client.get("/api/exports/trades.csv", headers=auth_headers)
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [Decimal(r["pnl"]) for r in rows] == [
        Decimal("198.00"),
        Decimal("19.60"),
        Decimal("-15.60"),
        Decimal(20),
    ]
    fills = await client.get("/api/exports/fills.csv", params=feb, headers=auth_headers)
    assert [r["side"] for r in csv.DictReader(io.StringIO(fills.text))] == ["sell", "buy"]
    equity = await client.get("/api/exports/equity.csv", headers=auth_headers)
    assert equity.text.splitlines()[0] == "time,equity,cash"
    assert len(equity.text.splitlines()) == 2


async def test_bad_inputs_name_the_field(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    async def field(path: str, **params: str) -> str:
        response = await client.get(path, params=params, headers=auth_headers)
        assert response.status_code == 422, response.text
        return str(response.json()["error"]["details"][0]["field"])

    assert await field("/api/analytics/pnl", group_by="year") == "group_by"
    assert await field("/api/exports/orders.csv") == "kind"
    window = {"since": "2026-02-02T00:00:00Z", "until": "2026-02-01T00:00:00Z"}
    assert await field("/api/analytics/trades", **window) == "until"
    missing = f"/api/exports/backtests/{'0' * 32}/trades.csv"
    assert (await client.get(missing, headers=auth_headers)).status_code == 404
