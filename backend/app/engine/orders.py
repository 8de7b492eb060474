"""Order lifecycle: write the order down first, then submit it; the broker's updates move it on."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import (
    Broker,
    BrokerError,
    BrokerUnavailable,
    DuplicateClientOrderId,
    OrderRejected,
    TradeUpdate,
)
from app.brokers.retry import RetryPolicy, with_retry
from app.domain import Order, OrderRequest, OrderStatus
from app.models import FillRecord, OrderRecord
from app.schemas.trading import FillOut, OrderOut
from app.services.audit import add_audit
from app.services.events import SafePublisher

logger = logging.getLogger(__name__)

MIN_QTY = 1e-9  # the database keeps 9 decimal places; anything smaller is zero
PENDING = "pending"  # written down, not yet confirmed by the broker
_RANK = {PENDING: 0, "new": 1, "accepted": 2, "partially_filled": 3}
CONFIRMED_OPEN = tuple(status for status in _RANK if status != PENDING)  # working at the broker
_TERMINAL_RANK = 4
_QTY_EPSILON = 1e-9


def _rank(status: str) -> int:
    return _RANK.get(status, _TERMINAL_RANK)


def _dec(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def execution_id(broker_order_id: str, cumulative_qty: float) -> str:
    """A fill is identified by its order and the filled quantity it brought the order to."""
    digest = hashlib.sha1(f"{broker_order_id}:{cumulative_qty:.9f}".encode(), usedforsecurity=False)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class OrderOrigin:
    """Where an order came from, for the row and the audit trail."""

    source: str  # strategy, manual, kill_switch, reconcile
    strategy_instance_id: int | None = None
    signal_id: int | None = None


@dataclass(frozen=True, slots=True)
class FillBooked:
    """A fill that advanced an order, as the engine learned of it."""

    order_id: int
    symbol: str


class OrderManager:
    """Places orders exactly once and keeps their rows in step with the broker."""

    def __init__(
        self,
        broker: Broker,
        sessions: async_sessionmaker[AsyncSession],
        events: SafePublisher,
        retry: RetryPolicy,
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._events = events
        self._retry = retry

    async def record_intents(
        self, session: AsyncSession, intents: list[tuple[OrderRequest, OrderOrigin]]
    ) -> list[OrderRequest]:
        """Insert pending rows in the caller's transaction; returns only the ids not seen before."""
        if not intents:
            return []
        inserted = set(
            await session.scalars(
                insert(OrderRecord)
                .on_conflict_do_nothing(index_elements=["client_order_id"])
                .returning(OrderRecord.client_order_id),
                [_pending_row(request, origin) for request, origin in intents],
            )
        )
        for request, _ in intents:
            if request.client_order_id not in inserted:
                logger.info(
                    "order %s was placed before; not submitting again", request.client_order_id
                )
        return [request for request, _ in intents if request.client_order_id in inserted]

    async def place(self, request: OrderRequest, origin: OrderOrigin) -> OrderRecord:
        """Record and submit one order, and wait for its row to show the broker's answer (manual
        orders, the kill switch)."""
        async with self._sessions.begin() as session:
            fresh = await self.record_intents(session, [(request, origin)])
        accepted = await self.submit(fresh)
        await self.apply_orders([(order, None) for order in accepted], actor="engine")
        record = await self.find(request.client_order_id)
        assert record is not None
        return record

    async def submit(self, requests: list[OrderRequest]) -> list[Order]:
        """Send recorded orders at once; returns those the broker accepted. A refusal is written
        down here; an acceptance reaches the rows through the trade updates (polling as fallback),
        which the engine follows anyway, so its batch need not wait for a second transaction."""
        answers = await asyncio.gather(*(self._send(request) for request in requests))
        return [order for order in answers if order is not None]

    async def _send(self, request: OrderRequest) -> Order | None:
        """The broker's answer to a recorded order; its client id makes every retry safe."""
        try:
            return await with_retry(
                lambda: self._broker.submit_order(request),
                self._retry,
                what=f"submit {request.client_order_id}",
            )
        except DuplicateClientOrderId as dup:
            order = dup.existing or await self._broker.get_order_by_client_id(
                request.client_order_id
            )
            if order is None:
                logger.error("broker says %s exists but cannot find it", request.client_order_id)
            return order
        except OrderRejected as rejected:
            await self.mark_rejected(request.client_order_id, rejected.reason)
        except BrokerUnavailable as exc:
            logger.error(
                "order %s not confirmed (%s); reconciliation will find out",
                request.client_order_id,
                exc,
            )
        return None

    async def mark_rejected(self, client_order_id: str, reason: str) -> None:
        if await self._close(client_order_id, OrderStatus.REJECTED, reason):
            logger.warning("order %s rejected by the broker: %s", client_order_id, reason)

    async def mark_canceled(self, client_order_id: str, reason: str) -> None:
        """The broker no longer has the order (a restarted simulated exchange): it is over."""
        if await self._close(client_order_id, OrderStatus.CANCELED, reason):
            logger.warning("order %s canceled: %s", client_order_id, reason)

    async def _close(self, client_order_id: str, status: OrderStatus, reason: str) -> bool:
        """Close a row the broker will not report on, keeping why; False if already closed."""
        async with self._sessions.begin() as session:
            record = await self._lock_row(session, client_order_id)
            if record is None or _rank(record.status) >= _TERMINAL_RANK:
                return False
            record.status = status.value
            record.reject_reason = reason[:2000]
            record.updated_at = datetime.now(UTC)
            action = f"order_{status.value}"
            add_audit(session, "engine", action, "order", record.id, message=reason)
        await self._events.publish("order", OrderOut.model_validate(record))
        return True

    async def apply_updates(self, updates: list[TradeUpdate]) -> list[FillBooked]:
        """Follow trade updates; a fill is booked only if it advances the filled quantity."""
        changes = [(update.order, update) for update in updates]
        return await self.apply_orders(changes, actor="engine")

    async def apply_order(
        self, order: Order, *, actor: str, adopt_as: str = "reconcile"
    ) -> FillBooked | None:
        """Bring one row in line with the broker's view of the order."""
        booked = await self.apply_orders([(order, None)], actor=actor, adopt_as=adopt_as)
        return booked[0] if booked else None

    async def apply_orders(
        self,
        changes: Sequence[tuple[Order, TradeUpdate | None]],
        *,
        actor: str,
        adopt_as: str = "reconcile",
    ) -> list[FillBooked]:
        """Bring rows in line with the broker's view of orders (with the trade update that told
        it, where there was one: the fill's time and commission), in one transaction and in the
        given order; the broker is the truth."""
        if not changes:
            return []
        news: list[OrderOut | FillRecord] = []  # order states and fills, in the order they happened
        async with self._sessions.begin() as session:
            records = await self._lock_rows(
                session, [order.client_order_id for order, _ in changes]
            )
            for order, update in changes:
                record = records.get(order.client_order_id)
                if record is None:
                    record = records[order.client_order_id] = await self._adopt(
                        session, order, adopt_as, actor
                    )
                before = _row_view(record)
                changed, fill = self._merge(record, order, update)
                if not changed:
                    continue
                if actor != "engine":
                    add_audit(
                        session,
                        actor,
                        "order_corrected",
                        "order",
                        record.id,
                        before=before,
                        after=_row_view(record),
                        message="database differed from broker",
                    )
                news.append(OrderOut.model_validate(record))
                if fill is not None:
                    session.add(fill)
                    news.append(fill)
        for item in news:  # committed: now they may be announced (a fill has its id by now)
            if isinstance(item, OrderOut):
                await self._events.publish("order", item)
            else:
                await self._events.publish("fill", FillOut.model_validate(item))
        return [
            FillBooked(order_id=item.order_id, symbol=item.symbol)
            for item in news
            if isinstance(item, FillRecord)
        ]

    def _merge(
        self, record: OrderRecord, order: Order, update: TradeUpdate | None
    ) -> tuple[bool, FillRecord | None]:
        old_qty = float(record.filled_qty)
        advances = order.filled_qty > old_qty + _QTY_EPSILON
        if not advances and _rank(order.status.value) < _rank(record.status):
            return False, None  # a stale event arriving after a newer one
        fill: FillRecord | None = None
        if advances and order.filled_avg_price is not None:
            delta = order.filled_qty - old_qty
            old_cost = old_qty * float(record.filled_avg_price or 0)
            price = (order.filled_qty * order.filled_avg_price - old_cost) / delta
            commission = update.fill.commission if update and update.fill else 0.0
            fill = FillRecord(
                execution_id=execution_id(order.id, order.filled_qty),
                symbol=record.symbol,
                side=record.side,
                qty=_dec(round(delta, 9)),
                price=_dec(round(price, 9)),
                commission=Decimal(str(round(commission, 9))),
                filled_at=update.time if update else order.updated_at or datetime.now(UTC),
            )
        new_values = {
            "status": order.status.value,
            "broker_order_id": order.id,
            "filled_qty": _dec(order.filled_qty),
            "filled_avg_price": _dec(order.filled_avg_price),
            "reject_reason": order.reject_reason or record.reject_reason,
            "submitted_at": record.submitted_at or order.submitted_at,
        }
        changed = False
        for name, value in new_values.items():
            if getattr(record, name) != value:
                setattr(record, name, value)
                changed = True
        if changed:
            record.updated_at = datetime.now(UTC)
        if fill is not None:
            fill.order_id = record.id
        return changed, fill

    async def _adopt(
        self, session: AsyncSession, order: Order, source: str, actor: str
    ) -> OrderRecord:
        """A row for an order at the broker that the database did not know, audited."""
        record = OrderRecord(
            client_order_id=order.client_order_id,
            source=source,
            symbol=order.symbol,
            side=order.side.value,
            type=order.type.value,
            time_in_force="day",
            qty=_dec(order.qty),
            limit_price=_dec(order.limit_price),
            stop_price=_dec(order.stop_price),
            status=PENDING,
            filled_qty=Decimal(0),
            created_at=datetime.now(UTC),
            updated_at=datetime.now(UTC),
        )
        session.add(record)
        add_audit(
            session,
            actor,
            "order_adopted",
            "order",
            order.client_order_id,
            after=_view(order),
            message="order at the broker that the database did not know",
        )
        await session.flush()
        return record

    async def _lock_rows(
        self, session: AsyncSession, client_order_ids: list[str]
    ) -> dict[str, OrderRecord]:
        """The rows of these orders, locked in id order (so concurrent batches cannot deadlock)."""
        query = (
            select(OrderRecord)
            .where(OrderRecord.client_order_id.in_(sorted(set(client_order_ids))))
            .order_by(OrderRecord.id)
            .with_for_update()
        )
        return {record.client_order_id: record for record in await session.scalars(query)}

    async def _lock_row(self, session: AsyncSession, client_order_id: str) -> OrderRecord | None:
        return (await self._lock_rows(session, [client_order_id])).get(client_order_id)

    async def find(self, client_order_id: str) -> OrderRecord | None:
        async with self._sessions() as session:
            query = select(OrderRecord).where(OrderRecord.client_order_id == client_order_id)
            return (await session.scalars(query)).first()

    async def open_rows(self) -> list[OrderRecord]:
        """Orders the database believes are still working (or not yet confirmed)."""
        async with self._sessions() as session:
            query = select(OrderRecord).where(OrderRecord.status.in_(list(_RANK)))
            return list((await session.scalars(query)).all())

    async def working_symbols(self, session: AsyncSession) -> set[str]:
        """Symbols with a strategy order still working: a strategy waits for its answer."""
        query = select(OrderRecord.symbol).where(
            OrderRecord.status.in_(list(_RANK)), OrderRecord.source == "strategy"
        )
        return set(await session.scalars(query.distinct()))

    async def cancel(self, record: OrderRecord) -> None:
        """Ask the broker to cancel; the cancellation itself arrives as an update."""
        if record.broker_order_id is None:
            await self.mark_rejected(
                record.client_order_id, "canceled before the broker confirmed it"
            )
            return
        try:
            await with_retry(
                lambda: self._broker.cancel_order(str(record.broker_order_id)),
                self._retry,
                what=f"cancel {record.client_order_id}",
            )
        except BrokerError as exc:
            logger.warning("cancel %s failed: %s", record.client_order_id, exc)
            raise
        order = await self._broker.get_order_by_client_id(record.client_order_id)
        if order is not None:  # don't wait for the stream: show the broker's answer now
            await self.apply_order(order, actor="engine")


def _pending_row(request: OrderRequest, origin: OrderOrigin) -> dict[str, object]:
    """The row of an order written down before it is sent."""
    return {
        "client_order_id": request.client_order_id,
        "strategy_instance_id": origin.strategy_instance_id,
        "signal_id": origin.signal_id,
        "source": origin.source,
        "symbol": request.symbol,
        "side": request.side.value,
        "type": request.type.value,
        "time_in_force": request.time_in_force.value,
        "qty": _dec(request.qty),
        "limit_price": _dec(request.limit_price),
        "stop_price": _dec(request.stop_price),
        "take_profit": _dec(request.take_profit),
        "stop_loss": _dec(request.stop_loss),
        "status": PENDING,
    }


def _view(order: Order) -> dict[str, object]:
    return {
        "status": order.status.value,
        "filled_qty": order.filled_qty,
        "filled_avg_price": order.filled_avg_price,
        "broker_order_id": order.id,
    }


def _row_view(record: OrderRecord) -> dict[str, object]:
    return {
        "status": record.status,
        "filled_qty": float(record.filled_qty),
        "filled_avg_price": None
        if record.filled_avg_price is None
        else float(record.filled_avg_price),
        "broker_order_id": record.broker_order_id,
    }
