"""The order lifecycle on Alpaca as it really behaves (the double), on the real database: prices
on the grid, exits that meet their own bracket legs, asynchronous cancels, the kill switch with
legs open, one retry layer, and the request budget of the background duties."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import ClassVar, cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.alpaca import AlpacaBroker
from app.brokers.budget import ALPACA_REQUESTS_PER_MINUTE
from app.brokers.sim import SimBroker
from app.core.config import Settings
from app.core.events import SafePublisher
from app.domain import OrderRequest, Position, Side, Signal
from app.engine.instances import InstanceSet, LiveInstance
from app.engine.kill_switch import KillSwitch
from app.engine.loop import _decide
from app.engine.orders import OrderManager, OrderOrigin
from app.engine.positions import PositionBook
from app.engine.reconcile import Reconciler
from app.engine.risk_gate import RiskBatch
from app.models import AuditRecord
from app.risk import Decision
from app.strategies.base import Strategy
from tests.fakealpaca.clients import FAST_RETRY, sdk_broker
from tests.fakealpaca.server import FakeAlpaca

STRATEGY = OrderOrigin("strategy")


@pytest.fixture
async def fake() -> AsyncIterator[FakeAlpaca]:
    async with FakeAlpaca(prices={"AAPL": 190.0, "MSFT": 400.0}) as server:
        yield server


@pytest.fixture
async def alpaca(fake: FakeAlpaca) -> AsyncIterator[AlpacaBroker]:
    broker = sdk_broker(fake)
    yield broker
    await broker.close()


@pytest.fixture
def manager(
    alpaca: AlpacaBroker, sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> OrderManager:
    return OrderManager(alpaca, sessions, events, release_wait=5.0)


def entry(cid: str, qty: float = 10, take: float = 210.0, stop: float = 180.0) -> OrderRequest:
    return OrderRequest(cid, "AAPL", Side.BUY, qty, take_profit=take, stop_loss=stop)


def exit_of(cid: str, qty: float = 10) -> OrderRequest:
    return OrderRequest(cid, "AAPL", Side.SELL, qty)


async def filled_bracket(fake: FakeAlpaca, manager: OrderManager, cid: str) -> dict[str, object]:
    record = await manager.place(entry(cid), STRATEGY)
    assert record.status in ("accepted", "new"), record.reject_reason
    await fake.fill(str(record.broker_order_id), 190.0)
    return fake.orders[str(record.broker_order_id)]


async def test_a_bracket_with_computed_prices_reaches_alpaca_on_the_penny_grid(
    fake: FakeAlpaca, manager: OrderManager
) -> None:
    # the prices the seeded risk settings computed on a first start with real keys
    request = entry("tb-1-AAPL-bracket", take=192.3682712, stop=184.96086440000002)
    record = await manager.place(request, STRATEGY)
    assert record.status == "accepted", record.reject_reason
    [sent] = fake.entries()
    take, stop = fake.legs(sent["id"])
    assert (take["limit_price"], stop["stop_price"]) == ("192.37", "184.97")
    assert (float(record.take_profit or 0), float(record.stop_loss or 0)) == (192.37, 184.97)


async def test_an_exit_of_a_bracketed_position_cancels_its_legs_first(
    fake: FakeAlpaca, manager: OrderManager
) -> None:
    parent = await filled_bracket(fake, manager, "tb-entry")
    assert fake.qty_available("AAPL") == 0  # the legs hold every share
    record = await manager.place(exit_of("tb-exit"), STRATEGY)
    assert record.status == "accepted", record.reject_reason
    legs = fake.legs(str(parent["id"]))
    assert [leg["status"] for leg in legs] == ["canceled", "canceled"]
    [exit_order] = [o for o in fake.entries() if o["client_order_id"] == "tb-exit"]
    await fake.fill(exit_order["id"], 191.0)
    assert "AAPL" not in fake.positions  # flat: neither naked nor doubled


async def test_an_exit_that_a_leg_beat_to_it_is_dropped_instead_of_opening_a_short(
    manager: OrderManager, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with FakeAlpaca(prices={"AAPL": 190.0}, cancel_latency=None) as slow:
        broker = sdk_broker(slow)
        racing = OrderManager(broker, sessions, SafePublisher(_Quiet()), release_wait=5.0)
        try:
            parent = await filled_bracket(slow, racing, "tb-race-entry")
            take, stop = slow.legs(str(parent["id"]))
            exiting = asyncio.create_task(racing.place(exit_of("tb-race-exit"), STRATEGY))
            await slow.wait_until(lambda: take["status"] == stop["status"] == "pending_cancel")
            await slow.fill(str(stop["id"]), 184.0)  # the stop triggered before the cancel
            await slow.confirm_cancels()
            record = await exiting
        finally:
            await broker.close()
    assert record.status == "canceled" and "closed through its own exit" in str(
        record.reject_reason
    )
    assert "AAPL" not in slow.positions
    assert not [o for o in slow.entries() if o["client_order_id"] == "tb-race-exit"]


async def test_the_kill_switch_waits_for_confirmed_cancels_then_flattens(
    fake: FakeAlpaca,
    alpaca: AlpacaBroker,
    manager: OrderManager,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    fake.cancel_latency = 0.2  # confirmed a moment after the 204, like Alpaca
    parent = await filled_bracket(fake, manager, "tb-kill-entry")
    switch = KillSwitch(alpaca, sessions, manager, InstanceSet(sessions), cancel_wait=5.0)
    report = await switch.pull("test", flatten=True)
    assert report.errors == [] and report.canceled_orders == 2
    assert [leg["status"] for leg in fake.legs(str(parent["id"]))] == ["canceled", "canceled"]
    [closing] = report.flatten_orders
    [sent] = [o for o in fake.entries() if o["client_order_id"] == closing]
    assert (sent["side"], sent["qty"]) == ("sell", "10.0")


async def test_the_kill_switch_reports_what_it_could_not_close(
    manager: OrderManager, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with FakeAlpaca(prices={"AAPL": 190.0}, cancel_latency=None) as stuck:
        broker = sdk_broker(stuck)
        orders = OrderManager(broker, sessions, SafePublisher(_Quiet()), release_wait=0.2)
        try:
            await filled_bracket(stuck, orders, "tb-stuck-entry")
            switch = KillSwitch(broker, sessions, orders, InstanceSet(sessions), cancel_wait=0.2)
            report = await switch.pull("test", flatten=True)
        finally:
            await broker.close()
    assert report.canceled_orders == 0
    assert sum("not confirmed" in error for error in report.errors) == 3  # 2 legs + the close
    assert any(error.startswith("close AAPL") for error in report.errors)


async def test_a_persistent_429_costs_one_retry_layer_not_two(
    fake: FakeAlpaca, manager: OrderManager
) -> None:
    fake.fail_next(1000, 429, method="POST", path="/v2/orders", message="rate limit exceeded")
    record = await manager.place(entry("tb-storm"), STRATEGY)
    assert record.status == "pending"  # not confirmed: reconciliation will find out
    assert fake.count("POST", "/v2/orders") == FAST_RETRY.attempts


async def twenty_brackets(
    fake: FakeAlpaca,
    alpaca: AlpacaBroker,
    manager: OrderManager,
    sessions: async_sessionmaker[AsyncSession],
    events: SafePublisher,
) -> tuple[PositionBook, Reconciler]:
    """20 bracketed positions, their 40 legs open, adopted as a run's first pass does."""
    symbols = [f"S{n:02d}" for n in range(20)]
    for symbol in symbols:
        fake.prices[symbol] = 50.0
        fake.assets[symbol] = {**fake.assets["AAPL"], "symbol": symbol}
    for symbol in symbols:
        request = OrderRequest(f"tb-{symbol}", symbol, Side.BUY, 10, take_profit=60, stop_loss=45)
        record = await manager.place(request, STRATEGY)
        await fake.fill(str(record.broker_order_id), 50.0)
    positions = PositionBook(alpaca, sessions, events)
    reconciler = Reconciler(alpaca, sessions, manager, positions, timedelta(seconds=30))
    await reconciler.run()
    return positions, reconciler


async def test_background_duties_stay_within_their_share_of_the_rate_limit(
    fake: FakeAlpaca,
    alpaca: AlpacaBroker,
    manager: OrderManager,
    sessions: async_sessionmaker[AsyncSession],
    events: SafePublisher,
) -> None:
    positions, reconciler = await twenty_brackets(fake, alpaca, manager, sessions, events)

    def cost(before: int) -> int:
        return len(fake.requests_since(before))

    start = len(fake.requests)
    await reconciler.sync_orders(actor="engine")
    await positions.sync()
    poll = cost(start)
    start = len(fake.requests)
    await reconciler.run()
    reconcile = cost(start)
    defaults = Settings.model_construct()
    per_minute = (
        poll * 60 / defaults.engine_poll_seconds
        + reconcile * 60 / defaults.engine_reconcile_seconds
        + 3 * 60 / defaults.engine_equity_seconds  # account for equity, account + clock to show
    )
    budget = defaults.alpaca_request_budget * ALPACA_REQUESTS_PER_MINUTE
    print(f"background requests a minute with 20 bracketed positions: {per_minute:.0f}")
    assert (poll, reconcile) == (2, 2)
    assert per_minute <= budget


async def test_the_request_budget_keeps_reads_under_it_while_orders_go_at_once(
    sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> None:
    # Alpaca's rule at a smaller scale: 40 requests a second; reads may spend half of them.
    async with FakeAlpaca(prices={"AAPL": 190.0}) as fake:
        alpaca = sdk_broker(fake, request_budget=0.5, rate_limit=40, rate_window=1.0)
        manager = OrderManager(alpaca, sessions, events, release_wait=5.0)
        try:
            positions, reconciler = await twenty_brackets(fake, alpaca, manager, sessions, events)
            fake.rate_limit, fake.rate_window = 40, 1.0
            start = len(fake.requests)

            async def poll_often() -> None:
                for _ in range(6):
                    await reconciler.sync_orders(actor="engine")
                    await positions.sync()

            workers = [asyncio.create_task(poll_often()) for _ in range(4)]
            order = await manager.place(OrderRequest("tb-now", "AAPL", Side.BUY, 1), STRATEGY)
            await asyncio.gather(*workers)
        finally:
            await alpaca.close()
        reads = [
            at
            for (method, path), at in zip(
                fake.requests[start:], fake.request_times[start:], strict=True
            )
            if method == "GET" and path in ("/v2/orders", "/v2/positions")
        ]
    assert order.status in ("accepted", "new"), order.reject_reason
    assert fake.throttled == 0  # no request was refused for the rate limit
    assert len(reads) >= 4 * 6 * 2  # every poll ran (the order's own checks read too)
    busiest = max(sum(1 for t in reads if first <= t < first + 1.0) for first in reads)
    print(f"reads in the busiest second: {busiest} of a budget of 20")
    assert busiest <= 20


class _Quiet:
    async def publish(self, event: str, payload: object) -> None:
        return None


async def test_an_order_for_an_asset_alpaca_does_not_trade_never_leaves(
    fake: FakeAlpaca, manager: OrderManager
) -> None:
    fake.assets["AAPL"]["tradable"] = False
    record = await manager.place(entry("tb-halted"), STRATEGY)
    assert record.status == "rejected" and str(record.reject_reason).startswith("[asset]")
    assert fake.count("POST", "/v2/orders") == 0


async def test_a_sell_opens_no_short_in_an_asset_that_cannot_be_borrowed(
    fake: FakeAlpaca, manager: OrderManager
) -> None:
    fake.assets["AAPL"]["easy_to_borrow"] = False
    record = await manager.place(exit_of("tb-short", qty=5), STRATEGY)
    assert record.status == "rejected" and "cannot be sold short" in str(record.reject_reason)
    assert fake.count("POST", "/v2/orders") == 0


def test_live_instances_are_long_only_unless_shorting_is_on() -> None:
    bar_time = datetime(2026, 12, 3, 15, tzinfo=UTC)
    sell = Signal("AAPL", bar_time, Side.SELL, 1.0, "crossed down", "sma_crossover")

    class NoRisk:
        positions: ClassVar[dict[str, Position]] = {}

        def check(self, signal: Signal) -> Decision:
            raise AssertionError("a long-only instance must not reach the risk chain")

    rule = cast(Strategy, None)
    long_only = LiveInstance(1, "sma", "sma_crossover", "AAPL", bar_time, rule)
    [(row, request)], _ = _decide([(long_only, sell)], cast(RiskBatch, NoRisk()), set())
    assert request is None and "long-only" in row["rejection_reason"]


async def test_the_simulated_exchange_refuses_a_symbol_it_has_no_price_for(
    sessions: async_sessionmaker[AsyncSession], events: SafePublisher
) -> None:
    exchange = SimBroker()
    orders = OrderManager(exchange, sessions, events)
    record = await orders.place(OrderRequest("c-nope", "NOPE", Side.BUY, 1), STRATEGY)
    assert record.status == "rejected"
    assert record.reject_reason == "[asset] unknown symbol NOPE: the broker has no such asset"
    assert await exchange.get_orders() == []


async def test_a_refusal_says_its_kind_in_the_row_and_the_audit(
    fake: FakeAlpaca, manager: OrderManager, sessions: async_sessionmaker[AsyncSession]
) -> None:
    wash = "potential wash trade detected. use complex orders"
    fake.fail_next(1, 403, method="POST", path="/v2/orders", message=wash)
    record = await manager.place(entry("tb-wash"), STRATEGY)
    assert (record.status, record.reject_reason) == ("rejected", f"[wash_trade] {wash}")
    async with sessions() as session:
        audit = await session.scalar(
            select(AuditRecord).where(AuditRecord.action == "order_rejected")
        )
    assert audit is not None and audit.after == {"refusal": "wash_trade"}
