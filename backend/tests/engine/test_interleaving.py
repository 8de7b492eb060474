"""Trade updates, polls and reconciliation racing each other on real PostgreSQL, at random.

Whatever their interleaving, the updates for one order apply in order and once: no deadlock, no
duplicate row (a bracket leg is first seen by two writers at once), the same final state."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import TradeEvent, TradeUpdate
from app.brokers.sim import SimBroker
from app.core.events import SafePublisher
from app.domain import Order, OrderRequest, OrderStatus, OrderType, Side
from app.engine.orders import OrderManager, OrderOrigin
from app.models import FillRecord, OrderRecord

SEEDS = range(40)
BRACKETS = 3
T = datetime(2026, 12, 3, 8, 12, tzinfo=UTC)


def _order(
    cid: str,
    side: Side,
    kind: OrderType,
    status: OrderStatus,
    filled: float = 0.0,
    price: float | None = None,
) -> Order:
    return Order(
        id=f"broker-{cid}",
        client_order_id=cid,
        symbol="SIMB",
        side=side,
        qty=10,
        type=kind,
        status=status,
        filled_qty=filled,
        filled_avg_price=price,
        updated_at=T,
    )


def lifecycles(prefix: str) -> list[list[Order]]:
    """Each order's states as the broker passes them: the entry, its take-profit, its stop."""
    entry = f"{prefix}-sell"
    buy, sell = Side.BUY, Side.SELL
    market, limit, stop = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP
    return [
        [
            _order(entry, buy, market, OrderStatus.NEW),
            _order(entry, buy, market, OrderStatus.PARTIALLY_FILLED, 4, 100.0),
            _order(entry, buy, market, OrderStatus.FILLED, 10, 100.6),
        ],
        [
            _order(f"{entry}.tp", sell, limit, OrderStatus.HELD),
            _order(f"{entry}.tp", sell, limit, OrderStatus.NEW),
            _order(f"{entry}.tp", sell, limit, OrderStatus.FILLED, 10, 105.0),
        ],
        [
            _order(f"{entry}.sl", sell, stop, OrderStatus.HELD),
            _order(f"{entry}.sl", sell, stop, OrderStatus.PENDING_CANCEL),
            _order(f"{entry}.sl", sell, stop, OrderStatus.CANCELED),
        ],
    ]


_EVENT = {
    OrderStatus.PARTIALLY_FILLED: TradeEvent.PARTIAL_FILL,
    OrderStatus.FILLED: TradeEvent.FILL,
    OrderStatus.PENDING_CANCEL: TradeEvent.PENDING_CANCEL,
    OrderStatus.CANCELED: TradeEvent.CANCELED,
}


def _update(order: Order) -> TradeUpdate:
    return TradeUpdate(event=_EVENT.get(order.status, TradeEvent.NEW), order=order, time=T)


async def _stream(manager: OrderManager, orders: list[list[Order]], rng: random.Random) -> None:
    """The trade-updates stream: every state of every order, each order's in turn, in bursts."""
    queues = [list(states) for states in orders]
    events: list[Order] = []
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        events.append(queue.pop(0))
    while events:
        size = rng.randint(1, 4)
        burst, events = events[:size], events[size:]
        await manager.apply_updates([_update(o) for o in burst])
        await asyncio.sleep(0)


async def _poller(
    manager: OrderManager, orders: list[list[Order]], rng: random.Random, actor: str
) -> None:
    """A poll or a reconciliation pass: a snapshot of each order at some state, in any order."""
    for _ in range(rng.randint(1, 3)):
        snapshot = [states[rng.randrange(len(states))] for states in orders]
        rng.shuffle(snapshot)
        await manager.apply_orders([(o, None) for o in snapshot], actor=actor)
        await asyncio.sleep(0)


@pytest.mark.parametrize("seed", SEEDS)
async def test_racing_writers_agree_on_every_order(
    seed: int, sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> None:
    rng = random.Random(seed)
    managers = [OrderManager(SimBroker(), sessions, events) for _ in range(4)]
    brackets = [lifecycles(f"tb-2-SIMB-{seed}-{n}") for n in range(BRACKETS)]
    for bracket in brackets:  # the entry was written down before it was sent; its legs were not
        parent = bracket[0][0]
        request = OrderRequest(parent.client_order_id, "SIMB", Side.BUY, 10)
        async with sessions.begin() as session:
            await managers[0].record_intents(session, [(request, OrderOrigin("strategy"))])
    every = [states for bracket in brackets for states in bracket]
    await asyncio.gather(
        _stream(managers[0], every, rng),
        _poller(managers[1], every, rng, "engine"),
        _poller(managers[2], every, rng, "engine"),
        _poller(managers[3], every, rng, "reconciler"),
    )
    async with sessions() as session:
        rows = {r.client_order_id: r for r in await session.scalars(select(OrderRecord))}
        fills = list(await session.scalars(select(FillRecord)))
    assert len(rows) == 3 * BRACKETS  # no row twice, none lost
    for states in every:
        final = states[-1]
        record = rows[final.client_order_id]
        assert record.status == final.status.value
        assert float(record.filled_qty) == final.filled_qty
        booked = [f for f in fills if f.order_id == record.id]
        assert sum(float(f.qty) for f in booked) == final.filled_qty  # each share once
        cost = sum(float(f.qty) * float(f.price) for f in booked)
        assert cost == pytest.approx(final.filled_qty * (final.filled_avg_price or 0))
