"""The kill switch: stop every strategy, cancel every open order, optionally flatten."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker, BrokerError, OrderQuery
from app.domain import OrderRequest, Side
from app.engine.instances import InstanceSet
from app.engine.orders import OrderManager, OrderOrigin
from app.models import StrategyInstance
from app.services.audit import add_audit

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
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._orders = orders
        self._instances = instances

    async def pull(self, actor: str, flatten: bool) -> KillReport:
        report = KillReport()
        async with self._sessions.begin() as session:
            disabled = (
                await session.scalars(
                    update(StrategyInstance)
                    .where(StrategyInstance.enabled.is_(True))
                    .values(enabled=False)
                    .returning(StrategyInstance.id)
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
        try:
            open_orders = await self._broker.get_orders(OrderQuery.OPEN)
        except BrokerError as exc:
            report.errors.append(f"list open orders: {exc}")
            return
        for order in open_orders:
            try:
                await self._broker.cancel_order(order.id)
                report.canceled_orders += 1
            except BrokerError as exc:
                report.errors.append(f"cancel {order.client_order_id}: {exc}")

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
            record = await self._orders.place(request, OrderOrigin("kill_switch"))
            report.flatten_orders.append(record.client_order_id)
            if record.status == "rejected":
                report.errors.append(f"close {position.symbol}: {record.reject_reason}")
