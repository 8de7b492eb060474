"""A restarted backend carries on the simulated account: the exchange lived in the memory of the
process before it, the database kept every fill and working order."""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker
from app.domain import Fill, OrderRequest, OrderType, Side, TimeInForce
from app.engine.orders import CONFIRMED_OPEN, OrderManager
from app.models import FillRecord, OrderRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)


async def carry_on_account(
    broker: Broker, sessions: async_sessionmaker[AsyncSession], orders: OrderManager
) -> None:
    """Book the recorded fills into a fresh simulated exchange and reopen the working orders;
    an order it cannot carry is canceled with the reason. An exchange that has traded keeps
    its own account."""
    if not broker.needs_restore():
        return
    async with sessions() as session:
        fills = [_fill(fill, order) for fill, order in await session.execute(_FILLS)]
        working = [_working(order) for order in await session.scalars(_WORKING_ORDERS)]
    if not fills and not working:
        return
    refused = broker.restore(fills, working)
    for client_order_id, reason in refused.items():
        await orders.mark_canceled(client_order_id, f"simulated exchange restarted: {reason}")
    account = await broker.get_account()
    summary = (
        f"{len(fills)} fills booked, {len(working) - len(refused)} working orders reopened, "
        f"{len(refused)} canceled; cash {account.cash:.2f}, equity {account.equity:.2f}"
    )
    async with sessions.begin() as session:
        add_audit(session, "engine", "sim_account_restored", "account", message=summary)
    logger.info("simulated account carried on: %s", summary)


_FILLS = (
    select(FillRecord, OrderRecord)
    .join(OrderRecord, FillRecord.order_id == OrderRecord.id)
    .order_by(FillRecord.filled_at, FillRecord.id)
)
_WORKING_ORDERS = (
    select(OrderRecord)
    .where(OrderRecord.status.in_(CONFIRMED_OPEN), OrderRecord.broker_order_id.is_not(None))
    .order_by(OrderRecord.id)
)


def _fill(fill: FillRecord, order: OrderRecord) -> Fill:
    return Fill(
        order_id=order.broker_order_id or "",
        client_order_id=order.client_order_id,
        symbol=fill.symbol,
        side=Side(fill.side),
        qty=float(fill.qty),
        price=float(fill.price),
        time=fill.filled_at,
    )


def _working(order: OrderRecord) -> tuple[str, OrderRequest]:
    assert order.broker_order_id is not None
    request = OrderRequest(
        client_order_id=order.client_order_id,
        symbol=order.symbol,
        side=Side(order.side),
        qty=float(order.qty - order.filled_qty),
        type=OrderType(order.type),
        time_in_force=TimeInForce(order.time_in_force),
        limit_price=_price(order.limit_price),
        stop_price=_price(order.stop_price),
        take_profit=_price(order.take_profit),
        stop_loss=_price(order.stop_loss),
    )
    return order.broker_order_id, request


def _price(value: Decimal | None) -> float | None:
    return None if value is None else float(value)
