"""The kill switch: stop every strategy, cancel every open order, optionally flatten."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker, BrokerError, OrderQuery
from app.domain import OrderRequest, OrderStatus, Side
from app.engine.instances import InstanceSet
from app.engine.orders import OrderManager, OrderOrigin
from app.models import StrategyInstanceRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class KillReport:
    disabled_instances: int = 0
    canceled_orders: int = 0
    flatten_orders: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class KillSwitch:
    """Does as much as it can: a broker fault on one order never stops it from trying the rest."""

    def __init__(
        self,
        broker: Broker,
        sessions: async_sessionmaker[AsyncSession],
        orders: OrderManager,
        instances: InstanceSet,
        cancel_wait: float = 15.0,
    ) -> None:
        self._cancel_wait = cancel_wait
        self._broker = broker
        self._sessions = sessions
        self._orders = orders
        self._instances = instances

    async def pull(self, actor: str, flatten: bool) -> KillReport:
        report = KillReport()
        async with self._sessions.begin() as session:
            disabled = (
                await session.scalars(
                    update(StrategyInstanceRecord)
                    .where(StrategyInstanceRecord.enabled.is_(True))
                    .values(enabled=False)
                    .returning(StrategyInstanceRecord.id)
                )
            ).all()
            add_audit(
                session,
                actor,
                "kill_switch",
                "engine",
                after={"flatten": flatten, "disabled_instances": list(disabled)},
            )
        report.disabled_instances = len(disabled)
        await self._instances.reload()
        await self._cancel_open_orders(report)
        if flatten:
            await self._flatten(report)
        logger.warning(
            "KILL SWITCH by %s: %d strategies stopped, %d orders canceled, %d closing orders",
            actor,
            report.disabled_instances,
            report.canceled_orders,
            len(report.flatten_orders),
        )
        return report

    async def _cancel_open_orders(self, report: KillReport) -> None:
        """Request every cancel, then wait until the broker confirms them (a 204 only means
        requested): shares held by a leg are not free to sell until its cancel is confirmed."""
        try:
            open_orders = await self._broker.get_orders(OrderQuery.OPEN)
        except BrokerError as exc:
            report.errors.append(f"list open orders: {exc}")
            return
        requested = []
        for order in open_orders:
            if order.status is OrderStatus.PENDING_CANCEL:
                requested.append(order)
                continue
            try:
                await self._broker.cancel_order(order.id)
                requested.append(order)
            except BrokerError as exc:
                report.errors.append(f"cancel {order.client_order_id}: {exc}")
        unconfirmed = await self._wait_canceled({order.id for order in requested}, report)
        report.canceled_orders = len(requested) - len(unconfirmed)
        for order in requested:
            if order.id in unconfirmed:
                report.errors.append(f"cancel {order.client_order_id}: not confirmed")

    async def _wait_canceled(self, ids: set[str], report: KillReport) -> set[str]:
        """The ids still open at the broker once the wait runs out (or none)."""
        deadline = time.monotonic() + self._cancel_wait
        delay = 0.05
        while ids:
            try:
                still = {o.id for o in await self._broker.get_orders(OrderQuery.OPEN)} & ids
            except BrokerError as exc:
                report.errors.append(f"confirm cancels: {exc}")
                return ids
            if not still or time.monotonic() + delay > deadline:
                return still
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        return set()

    async def _flatten(self, report: KillReport) -> None:
        try:
            positions = await self._broker.get_positions()
        except BrokerError as exc:
            report.errors.append(f"list positions: {exc}")
            return
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        for position in positions:
            request = OrderRequest(
                client_order_id=f"kill-{position.symbol}-{stamp}",
                symbol=position.symbol,
                side=Side.SELL if position.qty > 0 else Side.BUY,
                qty=abs(position.qty),
            )
            try:
                record = await self._orders.place(request, OrderOrigin("kill_switch"))
            except BrokerError as exc:
                report.errors.append(f"close {position.symbol}: {exc}")
                continue
            report.flatten_orders.append(record.client_order_id)
            if not OrderStatus(record.status).is_open and record.status != "filled":
                report.errors.append(f"close {position.symbol}: {record.reject_reason}")
