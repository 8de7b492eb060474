"""Orders are written down before they are sent, sent once, and follow the broker's updates."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import BrokerUnavailable, OrderQuery, TradeUpdate
from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.events import SafePublisher
from app.domain import Order, OrderRequest, OrderStatus, Side
from app.engine.orders import PENDING, OrderManager, OrderOrigin
from app.models import AuditRecord, FillRecord, OrderRecord
from tests.engine.conftest import RecordingPublisher, flat

MANUAL = OrderOrigin("manual")


def buy(client_id: str, qty: float = 10) -> OrderRequest:
    return OrderRequest(client_order_id=client_id, symbol="SIMA", side=Side.BUY, qty=qty)


async def next_update(updates: asyncio.Queue[TradeUpdate]) -> TradeUpdate:
    return await asyncio.wait_for(updates.get(), 5)


async def subscribe(broker: SimBroker) -> asyncio.Queue[TradeUpdate]:
    """Collect the broker's trade updates in a queue, as the engine's follower task does."""
    queue: asyncio.Queue[TradeUpdate] = asyncio.Queue()
    started = asyncio.Event()

    async def follow() -> None:
        stream = broker.trade_updates()
        first = asyncio.ensure_future(anext(stream))
        started.set()
        queue.put_nowait(await first)
        async for update in stream:
            queue.put_nowait(update)

    task = asyncio.create_task(follow())
    await started.wait()
    await asyncio.sleep(0)
    queue.task = task  # type: ignore[attr-defined] - keep the follower alive with the queue
    return queue


async def count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_order_is_recorded_submitted_and_filled_once(
    orders: OrderManager,
    sim: SimBroker,
    sessions: async_sessionmaker[AsyncSession],
    published: RecordingPublisher,
    events: SafePublisher,
) -> None:
    updates = await subscribe(sim)
    record = await orders.place(buy("c-1"), MANUAL)
    assert record.status == OrderStatus.NEW.value and record.broker_order_id is not None

    sim.on_bar(flat(1, 101.0))
    while (update := await next_update(updates)).order.status is not OrderStatus.FILLED:
        await orders.apply_updates([update])
    booked = await orders.apply_updates([update])
    assert [b.symbol for b in booked] == ["SIMA"]
    assert await orders.apply_updates([update]) == []  # the same event twice books nothing

    filled = await orders.find("c-1")
    assert filled is not None and filled.status == "filled"
    assert float(filled.filled_qty) == 10 and float(filled.filled_avg_price or 0) == 101.0
    async with sessions() as session:
        fills = list(await session.scalars(select(FillRecord)))
    assert [(float(f.qty), float(f.price)) for f in fills] == [(10.0, 101.0)]
    await events.flush()
    assert [p.status for p in published.of("order")][-1] == "filled"
    assert len(published.of("fill")) == 1


async def test_same_client_order_id_is_never_submitted_twice(
    orders: OrderManager, sim: SimBroker, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await orders.place(buy("c-dup"), MANUAL)
    second = await orders.place(buy("c-dup", qty=99), MANUAL)
    assert second.id == first.id and float(second.qty) == 10
    assert len(await sim.get_orders(OrderQuery.ALL)) == 1
    assert await count(sessions, OrderRecord) == 1


class FlakySubmit(SimBroker):
    """Fails the first `failures` submits, as a broker adapter does once its retries ran out."""

    def __init__(self, failures: int) -> None:
        super().__init__(SimBrokerConfig(slippage_bps=0))
        self.failures = failures
        self.calls = 0

    async def submit_order(self, request: OrderRequest) -> Order:
        self.calls += 1
        if self.failures:
            self.failures -= 1
            raise BrokerUnavailable("503 service unavailable", status=503, maybe_processed=False)
        return await super().submit_order(request)


async def test_broker_down_leaves_order_pending_for_reconciliation(
    sessions: async_sessionmaker[AsyncSession], published: RecordingPublisher
) -> None:
    broker = FlakySubmit(failures=100)
    broker.on_bar(flat(0, 100.0))
    manager = OrderManager(broker, sessions, SafePublisher(published))
    record = await manager.place(buy("c-down"), MANUAL)
    assert record.status == PENDING and broker.calls == 1  # the adapter retries, nothing above


async def test_refusal_marks_order_rejected_with_brokers_reason(
    orders: OrderManager,
    sessions: async_sessionmaker[AsyncSession],
    published: RecordingPublisher,
    events: SafePublisher,
) -> None:
    record = await orders.place(buy("c-big", qty=1_000_000), MANUAL)
    assert record.status == "rejected"
    assert record.reject_reason and "buying power" in record.reject_reason
    async with sessions() as session:
        actions = list(await session.scalars(select(AuditRecord.action)))
    assert actions == ["order_rejected"]
    await events.flush()
    assert published.of("order")[-1].status == "rejected"


async def test_stale_update_does_not_reopen_a_filled_order(
    orders: OrderManager, sim: SimBroker
) -> None:
    updates = await subscribe(sim)
    await orders.place(buy("c-stale"), MANUAL)
    sim.on_bar(flat(1, 101.0))
    seen = [await next_update(updates) for _ in range(2)]
    assert [u.order.status for u in seen] == [OrderStatus.NEW, OrderStatus.FILLED]
    await orders.apply_updates([seen[1]])
    await orders.apply_updates([seen[0]])  # arrives late
    record = await orders.find("c-stale")
    assert record is not None and record.status == "filled"


async def test_a_fill_keeps_the_commission_its_trade_update_reported(
    sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> None:
    charging = SimBroker(SimBrokerConfig(slippage_bps=0, commission_per_share=0.02))
    charging.on_bar(flat(0, 100.0))
    orders = OrderManager(charging, sessions, events)
    updates = await subscribe(charging)
    await orders.place(buy("c-fee", qty=7), MANUAL)
    charging.on_bar(flat(1, 101.0))
    while (update := await next_update(updates)).order.status is not OrderStatus.FILLED:
        await orders.apply_updates([update])
    await orders.apply_updates([update])
    async with sessions() as session:
        [fill] = list(await session.scalars(select(FillRecord)))
    assert float(fill.commission) == 0.14 and fill.filled_at == update.time
