"""Order lifecycle: write the order down first, then submit it; the broker's updates move it on."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import (
    Broker,
    BrokerError,
    BrokerUnavailable,
    DuplicateClientOrderId,
    NotFound,
    OrderQuery,
    OrderRejected,
    Refusal,
    TradeUpdate,
)
from app.core.events import SafePublisher
from app.domain import Order, OrderRequest, OrderStatus, Side
from app.models import FillRecord, OrderRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)

MIN_QTY = 1e-9  # the database keeps 9 decimal places; anything smaller is zero
PENDING = OrderStatus.PENDING.value  # written down, not yet confirmed by the broker
CONFIRMED_OPEN = tuple(s for s in OrderStatus.open_values() if s != PENDING)  # at the broker
_QTY_EPSILON = 1e-9
_APPLY_ATTEMPTS = 5  # a deadlock or a lost insert race is retried, never dropped
_RETRIABLE = {"40P01", "40001", "23505"}  # deadlock, serialization failure, unique violation
_APPLY_LOCK = 0x7462_6F72_6465_7273  # "tborders": the one lock order-state writers take turns on
_RELEASE_WAIT = 10.0  # seconds to see an exit's held legs canceled before giving up


def _is_stale(record_status: str, update_status: OrderStatus) -> bool:
    """A non-fill update that ranks behind the row is an old one arriving late."""
    current = OrderStatus(record_status)
    if update_status.rank >= current.rank:
        return False
    return not (current.reverts and update_status.is_open)


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
class AuditNote:
    """Who asked for an order and what to write down, committed with the order's row."""

    actor: str
    action: str
    entity: str = "order"
    entity_id: str | None = None  # None: the order's own id
    after: dict[str, Any] | None = None


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
        release_wait: float = _RELEASE_WAIT,
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._events = events
        self._release_wait = release_wait

    async def record_intents(
        self, session: AsyncSession, intents: list[tuple[OrderRequest, OrderOrigin]]
    ) -> list[OrderRequest]:
        """Insert pending rows in the caller's transaction; returns only the ids not seen before,
        with their prices on the broker's grid (the one place every price the bot sends is
        rounded, so the row shows the price that was sent)."""
        if not intents:
            return []
        intents = [(request.on_price_grid(), origin) for request, origin in intents]
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

    async def place(
        self, request: OrderRequest, origin: OrderOrigin, audit: AuditNote | None = None
    ) -> OrderRecord:
        """Record and submit one order, and wait for its row to show the broker's answer (manual
        orders, the kill switch). The audit row, if any, commits with the order's row: a failure
        leaves neither, and nothing is sent."""
        async with self._sessions.begin() as session:
            fresh = await self.record_intents(session, [(request, origin)])
            if audit is not None and fresh:
                order_id = await session.scalar(
                    select(OrderRecord.id).where(
                        OrderRecord.client_order_id == request.client_order_id
                    )
                )
                add_audit(
                    session,
                    audit.actor,
                    audit.action,
                    audit.entity,
                    order_id if audit.entity_id is None else audit.entity_id,
                    after=audit.after,
                )
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
        """The broker's answer to a recorded order. The broker adapter is the one retry layer
        (its client id makes each retry safe); here a fault is only written down."""
        try:
            allowed = await self._check_asset(request)
            freed = None if allowed is None else await self._free_held_shares(allowed)
            if freed is None:
                return None
            return await self._broker.submit_order(freed)
        except DuplicateClientOrderId as dup:
            order = dup.existing or await self._broker.get_order_by_client_id(
                request.client_order_id
            )
            if order is None:
                logger.error("broker says %s exists but cannot find it", request.client_order_id)
            return order
        except OrderRejected as rejected:
            await self.mark_rejected(request.client_order_id, rejected.reason, rejected.refusal)
        except BrokerUnavailable as exc:
            logger.error(
                "order %s not confirmed (%s); reconciliation will find out",
                request.client_order_id,
                exc,
            )
        return None

    async def _check_asset(self, request: OrderRequest) -> OrderRequest | None:
        """The broker's word on the symbol before the order goes: tradable, shortable if the
        sell opens or adds to a short, and its price increment; None when refused here."""
        asset = await self._broker.get_asset(request.symbol)
        refusal = None
        if asset is None:
            refusal = f"unknown symbol {request.symbol}: the broker has no such asset"
        elif not asset.tradable:
            refusal = f"{request.symbol} is not a tradable asset at the broker"
        elif (
            request.side is Side.SELL
            and not asset.can_short
            and await self._held(request.symbol) < request.qty - _QTY_EPSILON
        ):
            refusal = f"{request.symbol} cannot be sold short (not shortable or hard to borrow)"
        if refusal is not None:
            await self.mark_rejected(request.client_order_id, refusal, Refusal.ASSET)
            return None
        assert asset is not None
        return request.on_price_grid(asset.price_increment) if asset.price_increment else request

    async def _free_held_shares(self, request: OrderRequest) -> OrderRequest | None:
        """An exit of a position whose own exit orders (bracket legs) hold its shares: Alpaca
        refuses it (403, insufficient qty available). So cancel those orders, see them closed,
        and send the exit for what is still held; None when the legs closed it meanwhile."""
        if request.take_profit is not None or request.stop_loss is not None:
            return request  # a bracket entry opens; it never meets its own legs
        working = [
            order
            for order in await self._broker.get_orders(OrderQuery.OPEN, symbols=[request.symbol])
            if order.side is request.side and order.client_order_id != request.client_order_id
        ]
        if not working:
            return request
        held = await self._held(request.symbol)
        if held * (1 if request.side is Side.BUY else -1) >= 0:
            return request  # it opens or adds: the other orders hold no shares it needs
        for order in working:
            with contextlib.suppress(NotFound, OrderRejected):  # closed already
                await self._broker.cancel_order(order.id)
        unconfirmed = await self._wait_closed([order.client_order_id for order in working])
        if unconfirmed:
            await self.mark_rejected(
                request.client_order_id,
                f"orders holding its shares not confirmed canceled: {', '.join(unconfirmed)}",
            )
            return None
        left = abs(await self._held(request.symbol))
        if left < MIN_QTY:
            await self.mark_canceled(
                request.client_order_id, "the position closed through its own exit orders first"
            )
            return None
        if request.qty > left:
            request = replace(request, qty=left)
            await self._resize(request.client_order_id, left)
        return request

    async def _held(self, symbol: str) -> float:
        return sum(p.qty for p in await self._broker.get_positions() if p.symbol == symbol)

    async def _wait_closed(self, client_order_ids: list[str]) -> list[str]:
        """Poll until the broker reports these orders closed (cancels are asynchronous); the ids
        still open when the wait runs out."""
        deadline = time.monotonic() + self._release_wait
        delay = 0.05
        waiting = list(client_order_ids)
        while True:
            found = [await self._broker.get_order_by_client_id(cid) for cid in waiting]
            await self.apply_orders([(o, None) for o in found if o is not None], actor="engine")
            waiting = [o.client_order_id for o in found if o is not None and o.status.is_open]
            if not waiting or time.monotonic() + delay > deadline:
                return waiting
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)

    async def _resize(self, client_order_id: str, qty: float) -> None:
        async with self._sessions.begin() as session:
            record = await self._lock_row(session, client_order_id)
            if record is not None:
                record.qty = Decimal(str(qty))

    async def mark_rejected(
        self, client_order_id: str, reason: str, refusal: Refusal = Refusal.OTHER
    ) -> None:
        """The broker (or the bot on its behalf) refused the order: closed, with why and which
        kind of refusal it was (`Refusal`), in the row and the audit log."""
        if refusal is not Refusal.OTHER:
            reason = f"[{refusal.value}] {reason}"
        if await self._close(client_order_id, OrderStatus.REJECTED, reason, refusal):
            logger.warning("order %s rejected by the broker: %s", client_order_id, reason)

    async def mark_canceled(self, client_order_id: str, reason: str) -> None:
        """The broker no longer has the order (a restarted simulated exchange): it is over."""
        if await self._close(client_order_id, OrderStatus.CANCELED, reason):
            logger.warning("order %s canceled: %s", client_order_id, reason)

    async def _close(
        self,
        client_order_id: str,
        status: OrderStatus,
        reason: str,
        refusal: Refusal | None = None,
    ) -> bool:
        """Close a row the broker will not report on, keeping why; False if already closed."""
        async with self._sessions.begin() as session:
            record = await self._lock_row(session, client_order_id)
            if record is None or not OrderStatus(record.status).is_open:
                return False
            record.status = status.value
            record.reject_reason = reason[:2000]
            record.updated_at = datetime.now(UTC)
            action = f"order_{status.value}"
            after = None if refusal is None else {"refusal": refusal.value}
            add_audit(session, "engine", action, "order", record.id, after=after, message=reason)
        await self._events.publish("order", record.snapshot())
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
        given order; the broker is the truth. A transaction that loses to a concurrent one
        (deadlock, insert race) is retried whole, so no update is ever dropped."""
        if not changes:
            return []
        for attempt in range(1, _APPLY_ATTEMPTS + 1):
            try:
                return await self._apply_once(changes, actor=actor, adopt_as=adopt_as)
            except DBAPIError as exc:
                code = getattr(exc.orig, "sqlstate", None)
                if code not in _RETRIABLE or attempt == _APPLY_ATTEMPTS:
                    raise
                logger.warning("order updates lost a race (%s); retry %d", code, attempt)
                await asyncio.sleep(0.05 * attempt)
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    async def _apply_once(
        self,
        changes: Sequence[tuple[Order, TradeUpdate | None]],
        *,
        actor: str,
        adopt_as: str,
    ) -> list[FillBooked]:
        news: list[
            OrderRecord | FillRecord
        ] = []  # order states and fills, in the order they happened
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
                news.append(record.snapshot())
                if fill is not None:
                    session.add(fill)
                    news.append(fill)
        for item in news:  # committed: now they may be announced (a fill has its id by now)
            await self._events.publish("order" if isinstance(item, OrderRecord) else "fill", item)
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
        if not advances and _is_stale(record.status, order.status):
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
        """The rows of these orders, locked, after the transaction took its turn.

        Every writer of order states (trade updates, polls, reconciliation, cancels, the API)
        takes the same transaction-scoped advisory lock first: their row locks and the inserts
        of adopted rows (a bracket leg first seen in two places at once) can no longer
        interleave, which is what deadlocked and broke uq_orders_client_order_id before.
        """
        await session.execute(select(func.pg_advisory_xact_lock(_APPLY_LOCK)))
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
            query = select(OrderRecord).where(OrderRecord.status.in_(OrderStatus.open_values()))
            return list((await session.scalars(query)).all())

    async def working_symbols(self, session: AsyncSession) -> set[str]:
        """Symbols with a strategy order still working: a strategy waits for its answer."""
        query = select(OrderRecord.symbol).where(
            OrderRecord.status.in_(OrderStatus.open_values()), OrderRecord.source == "strategy"
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
            await self._broker.cancel_order(str(record.broker_order_id))
        except BrokerError as exc:
            logger.warning("cancel %s failed: %s", record.client_order_id, exc)
            raise
        order = await self._broker.get_order_by_client_id(record.client_order_id)
        if order is not None:  # show the broker's answer now (pending_cancel, until confirmed)
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
