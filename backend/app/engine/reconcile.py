"""Reconciliation: the broker is the truth; every difference found is corrected and audited."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker, OrderQuery
from app.domain import Order
from app.engine.orders import PENDING, OrderManager
from app.engine.positions import PositionBook
from app.models.audit import add_audit

logger = logging.getLogger(__name__)

ACTOR = "reconciler"


class Reconciler:
    """Walks open orders and positions on both sides and makes the database agree."""

    def __init__(
        self,
        broker: Broker,
        sessions: async_sessionmaker[AsyncSession],
        orders: OrderManager,
        positions: PositionBook,
        unconfirmed_grace: timedelta = timedelta(seconds=30),
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._orders = orders
        self._positions = positions
        self._grace = unconfirmed_grace

    async def run(self) -> None:
        """One full pass, audited; safe at any time, also while trading."""
        await self.sync_orders(actor=ACTOR, give_up_unconfirmed=True)
        await self._positions.sync(audit_as=ACTOR)

    async def sync_orders(self, *, actor: str, give_up_unconfirmed: bool = False) -> None:
        """Ask the broker about every order either side thinks is open (the polling fallback)."""
        started = datetime.now(UTC)
        at_broker = await self._broker.get_orders(OrderQuery.OPEN)
        await self._orders.apply_orders([(order, None) for order in at_broker], actor=actor)
        open_ids = {order.client_order_id for order in at_broker}
        closed_since: list[Order] = []
        for record in await self._orders.open_rows():
            if record.client_order_id in open_ids:
                continue
            found = await self._broker.get_order_by_client_id(record.client_order_id)
            if found is not None:
                closed_since.append(found)
            elif (
                give_up_unconfirmed
                and record.status == PENDING
                and started - record.created_at > self._grace
            ):
                await self._give_up(record.id, record.client_order_id)
        await self._orders.apply_orders([(order, None) for order in closed_since], actor=actor)

    async def _give_up(self, row_id: int, client_order_id: str) -> None:
        reason = "never reached the broker (not found there by client order id)"
        async with self._sessions.begin() as session:
            add_audit(session, ACTOR, "order_lost", "order", row_id, message=reason)
        await self._orders.mark_rejected(client_order_id, reason)
