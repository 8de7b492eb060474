"""Reconciliation takes the broker as the truth and audits every difference it corrects."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.sim import SimBroker
from app.domain import OrderRequest, OrderStatus, OrderType, Side
from app.engine.orders import OrderManager, OrderOrigin
from app.engine.reconcile import Reconciler
from app.models import AuditRecord, FillRecord, OrderRecord, PositionSnapshotRecord
from tests.engine.conftest import flat


def buy(client_id: str, qty: float = 10, **extra: object) -> OrderRequest:
    return OrderRequest(client_order_id=client_id, symbol="SIMA", side=Side.BUY, qty=qty, **extra)  # type: ignore[arg-type]


async def audit_actions(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(AuditRecord.actor, AuditRecord.action).order_by(AuditRecord.id)
        )
        return [(actor, action) for actor, action in rows]


async def test_missed_fill_is_booked_once_and_audited(
    orders: OrderManager,
    reconciler: Reconciler,
    sim: SimBroker,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await orders.place(buy("c-missed"), OrderOrigin("manual"))
    sim.on_bar(flat(1, 102.0))  # fills at the broker; nobody follows the stream
    await reconciler.run()

    record = await orders.find("c-missed")
    assert record is not None and record.status == "filled" and float(record.filled_qty) == 10
    async with sessions() as session:
        fills = list(await session.scalars(select(FillRecord)))
        snapshots = list(await session.scalars(select(PositionSnapshotRecord)))
    assert [(float(f.qty), float(f.price)) for f in fills] == [(10.0, 102.0)]
    assert [(s.symbol, float(s.qty)) for s in snapshots] == [("SIMA", 10.0)]
    assert await audit_actions(sessions) == [
        ("reconciler", "order_corrected"),
        ("reconciler", "position_corrected"),
    ]

    # The late trade update and a second pass change nothing more.
    late = await sim.get_order_by_client_id("c-missed")
    assert late is not None
    await orders.apply_order(late, actor="engine")
    await reconciler.run()
    async with sessions() as session:
        assert len(list(await session.scalars(select(FillRecord)))) == 1
    assert len(await audit_actions(sessions)) == 2


async def test_order_unknown_to_the_database_is_adopted(
    reconciler: Reconciler, sim: SimBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    placed_elsewhere = await sim.submit_order(
        buy("from-the-web-ui", type=OrderType.LIMIT, limit_price=90.0)
    )
    await reconciler.run()
    async with sessions() as session:
        rows = list(await session.scalars(select(OrderRecord)))
    assert [(r.client_order_id, r.status, r.source, r.broker_order_id) for r in rows] == [
        ("from-the-web-ui", "new", "reconcile", placed_elsewhere.id)
    ]
    assert ("reconciler", "order_adopted") in await audit_actions(sessions)


async def test_order_that_never_reached_the_broker_is_closed_as_lost(
    reconciler: Reconciler, orders: OrderManager, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:  # as if the process died between insert and submit
        await orders.record_intents(session, [(buy("c-lost"), OrderOrigin("strategy"))])
    await reconciler.run()
    record = await orders.find("c-lost")
    assert record is not None and record.status == OrderStatus.REJECTED.value
    assert record.reject_reason and "never reached the broker" in record.reject_reason
    assert ("reconciler", "order_lost") in await audit_actions(sessions)


async def test_unsent_order_that_did_reach_the_broker_is_confirmed_not_resent(
    reconciler: Reconciler,
    orders: OrderManager,
    sim: SimBroker,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:  # inserted, submitted, then the process died
        await orders.record_intents(session, [(buy("c-crash"), OrderOrigin("strategy"))])
    await sim.submit_order(buy("c-crash"))
    await reconciler.run()
    record = await orders.find("c-crash")
    assert record is not None and record.status == "new" and record.broker_order_id is not None
    assert len(await sim.get_orders()) == 1
