"""One engine trades at a time; a crash mid-order loses nothing and doubles nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import OrderQuery
from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.config import Settings
from app.domain import Bar
from app.engine.leader import DESIRED_KEY, LOCK_KEY
from app.engine.loop import TradingLoop
from app.engine.service import EngineService
from app.engine.wiring import Venue
from app.models import (
    AuditRecord,
    EquityPointRecord,
    FillRecord,
    OrderRecord,
    RiskSettingsRecord,
    SignalRecord,
    StrategyInstanceRecord,
)
from app.risk import RiskSettings
from tests.engine.conftest import (
    RecordingPublisher,
    ScriptedMarket,
    falling_then_rising,
    scripted_venue,
)
from tests.support.polling import wait_for

Factory = Callable[[Venue], EngineService]


@pytest.fixture
async def make_engine(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    redis: Redis,
    published: RecordingPublisher,
) -> AsyncIterator[Factory]:
    """Engine services as separate backend processes would run them: one Redis, one database."""
    started: list[EngineService] = []

    def make(venue: Venue) -> EngineService:
        service = EngineService(
            settings.model_copy(update={"engine_seed_symbols": "SIMA"}),
            sessions,
            redis,
            published,
            venue,
        )
        started.append(service)
        return service

    yield make
    for service in started:
        await service.close()


def crash(service: EngineService) -> None:
    """Kill the process's tasks where they stand: no cleanup, the lock left to expire."""
    supervisor = service.supervisor
    assert supervisor._task is not None and supervisor._run_task is not None
    supervisor._task.cancel()
    supervisor._run_task.cancel()


async def rows(sessions: async_sessionmaker[AsyncSession], model: type) -> list:  # type: ignore[type-arg]
    async with sessions() as session:
        return list(await session.scalars(select(model)))


async def test_two_engines_one_redis_only_one_trades_and_the_other_takes_over(
    make_engine: Factory, redis: Redis, published: RecordingPublisher
) -> None:
    first = make_engine(scripted_venue([])[0])
    second = make_engine(scripted_venue([])[0])
    await redis.set(DESIRED_KEY, "running")
    await first.start()
    await second.start()
    await wait_for(lambda: _any_trading(first, second), what="a leader")
    await asyncio.sleep(1.0)  # several supervisor ticks: the other must keep waiting
    leaders = [s for s in (first, second) if s.trading]
    assert len(leaders) == 1
    leader, follower = (first, second) if first.trading else (second, first)
    assert await redis.get(LOCK_KEY) == leader.holder
    assert (await follower.status()).leader == leader.holder

    await leader.close()  # a clean shutdown releases the lock at once
    await wait_for(lambda: _async(follower.trading), within=5, what="takeover")
    assert not leader.trading


async def test_engine_stops_trading_the_moment_it_loses_the_lock(
    make_engine: Factory, redis: Redis
) -> None:
    engine = make_engine(scripted_venue([])[0])
    await redis.set(DESIRED_KEY, "running")
    await engine.start()
    await wait_for(lambda: _async(engine.trading), what="start")
    await redis.set(LOCK_KEY, "someone-else")  # e.g. our TTL ran out during a long pause
    await wait_for(lambda: _async(not engine.trading), within=2, what="stop on lost lock")
    await asyncio.sleep(0.5)
    assert not engine.trading and await redis.get(LOCK_KEY) == "someone-else"


async def test_crash_between_submit_and_fill_neither_loses_nor_doubles_the_order(
    make_engine: Factory, sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    exchange = SimBroker(SimBrokerConfig(slippage_bps=0))  # outlives the crash, as Alpaca would
    first, market, history, live = await _leading_on_a_rising_market(make_engine, redis, exchange)

    async def at_the_broker() -> bool:  # a strategy order is accepted there
        return bool(await exchange.get_orders(OrderQuery.OPEN))

    fed = await _feed_until(at_the_broker, market, live, first)
    crash(first)  # the order is accepted, its fill has not happened yet

    second_market = ScriptedMarket(history + live[:fed])
    second = make_engine(Venue(exchange, second_market, "sim", "simulated"))
    await second.start()
    await wait_for(lambda: _async(second.trading), what="takeover after lock expiry")
    second_market.feed.put_nowait(live[fed])  # the next bar fills the order at the exchange

    async def settled() -> bool:  # the entry filled and its bracket legs are known
        orders = {o.source: o.status for o in await rows(sessions, OrderRecord)}
        return orders.get("strategy") == "filled" and len(await rows(sessions, OrderRecord)) == 3

    await wait_for(settled, what="fill recorded after the restart")
    at_broker = await exchange.get_orders(OrderQuery.ALL)
    orders = await rows(sessions, OrderRecord)
    assert sorted(o.client_order_id for o in at_broker) == sorted(o.client_order_id for o in orders)
    assert len({o.client_order_id for o in at_broker}) == len(at_broker)  # nothing doubled
    assert {o.broker_order_id for o in orders} == {o.id for o in at_broker}
    [entry] = [o for o in orders if o.source == "strategy"]
    fills = await rows(sessions, FillRecord)
    assert [(f.order_id, float(f.qty)) for f in fills] == [(entry.id, float(entry.qty))]


async def test_kill_switch_disables_strategies_cancels_orders_and_flattens(
    make_engine: Factory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    exchange = SimBroker(SimBrokerConfig(slippage_bps=0))
    venue, _ = scripted_venue([], exchange)
    engine = make_engine(venue)
    await engine.start()
    await wait_for(lambda: _instances(sessions), what="seeded instances")
    exchange.on_price("SIMA", 100.0, datetime.now(UTC))
    await exchange.submit_order(_request("held", 5))
    exchange.on_price("SIMA", 100.0, datetime.now(UTC) + timedelta(minutes=1))  # fills
    resting = await exchange.submit_order(_request("resting", 1, limit=50.0))

    result = (await engine.kill("admin", flatten=True)).report

    assert result.disabled_instances == 1 and result.canceled_orders == 1 and not result.errors
    assert (await exchange.get_order_by_client_id(resting.client_order_id)).status == "canceled"  # type: ignore[union-attr]
    [closing] = result.flatten_orders
    record = await engine.orders.find(closing)
    assert record is not None and record.source == "kill_switch" and record.side == "sell"
    assert float(record.qty) == 5
    assert not any(i.enabled for i in await rows(sessions, StrategyInstanceRecord))


async def _leading_on_a_rising_market(
    make_engine: Factory, redis: Redis, exchange: SimBroker
) -> tuple[EngineService, ScriptedMarket, list[Bar], list[Bar]]:
    """An engine trading SIMA on `exchange` after 40 falling bars; the rising ones to feed."""
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    history, live = falling_then_rising("SIMA", now - timedelta(minutes=40))
    venue, market = scripted_venue(history, exchange)
    engine = make_engine(venue)
    await redis.set(DESIRED_KEY, "running")
    await engine.start()
    await wait_for(lambda: _async(engine.trading), what="start")
    return engine, market, history, live


async def _feed_until(
    done: Callable[[], Awaitable[bool]],
    market: ScriptedMarket,
    live: list[Bar],
    engine: EngineService,
) -> int:
    """Feed rising bars one by one, each once the engine took the one before, until `done`;
    how many were fed."""
    loop = engine.supervisor.loop
    assert loop is not None
    fed = 0

    async def taken() -> bool:
        return loop.stats.bars >= fed

    while not await done():
        assert fed < len(live) - 2, "the rising stretch never got there"
        market.feed.put_nowait(live[fed])
        fed += 1
        await wait_for(taken, what="the bar taken")
    return fed


def _request(client_id: str, qty: float, limit: float | None = None):  # type: ignore[no-untyped-def]
    from app.domain import OrderRequest, OrderType, Side

    kind = OrderType.LIMIT if limit else OrderType.MARKET
    return OrderRequest(client_id, "SIMA", Side.BUY, qty, type=kind, limit_price=limit)


async def _instances(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return bool(await rows(sessions, StrategyInstanceRecord))


async def _any_trading(*services: EngineService) -> bool:
    return any(s.trading for s in services)


async def _async(value: bool) -> bool:
    return value


async def test_drawdown_halt_from_the_risk_chain_pulls_the_kill_switch(
    make_engine: Factory, sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    async with sessions.begin() as session:  # the account once stood at twice its equity
        limits = RiskSettings(market_hours=False, pdt_guard=False, max_drawdown=0.2)
        session.add(RiskSettingsRecord(settings=limits.model_dump(), updated_by="test"))
        session.add(
            EquityPointRecord(time=datetime.now(UTC), equity=Decimal(200_000), cash=Decimal(0))
        )
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    history, live = falling_then_rising("SIMA", now - timedelta(minutes=40))
    venue, market = scripted_venue(history)
    engine = make_engine(venue)
    await redis.set(DESIRED_KEY, "running")
    await engine.start()
    await wait_for(lambda: _async(engine.trading), what="start")
    for bar in live:
        market.feed.put_nowait(bar)

    async def halted() -> bool:
        return not any(i.enabled for i in await rows(sessions, StrategyInstanceRecord))

    await wait_for(halted, what="strategies disabled by the halt")
    async with sessions() as session:
        entries = list(
            await session.scalars(select(AuditRecord).where(AuditRecord.actor == "risk"))
        )
        signal = await session.scalar(select(SignalRecord))
    assert [e.action for e in entries] == ["kill_switch"]
    assert signal is not None and signal.outcome == "rejected"
    assert signal.rejection_reason and "trading halted" in signal.rejection_reason
    assert await rows(sessions, OrderRecord) == []


async def test_a_bar_seen_before_neither_fills_orders_nor_signals_again(
    make_engine: Factory, sessions: async_sessionmaker[AsyncSession]
) -> None:
    exchange = SimBroker(SimBrokerConfig(slippage_bps=0))
    engine = make_engine(scripted_venue([], exchange)[0])
    loop = TradingLoop(engine._loop_parts(), "1Min", 60, engine._timings())
    first = Bar("SIMA", datetime(2026, 3, 2, 15, tzinfo=UTC), 100, 100, 100, 100, 1)
    await loop.process([first])
    await exchange.submit_order(_request("resting", 1, limit=95.0))
    stale = Bar("SIMA", first.time, 90, 90, 90, 90, 1)  # e.g. a replay restarting from the top
    await loop.process([stale])
    assert (await exchange.get_order_by_client_id("resting")).status == "new"  # type: ignore[union-attr]
    assert loop.stats.bars == 1


async def test_a_restarted_backend_carries_on_the_simulated_account(
    make_engine: Factory, sessions: async_sessionmaker[AsyncSession], redis: Redis
) -> None:
    """The simulated exchange lives in the process: a new one books the recorded fills and
    reopens the working orders, and cancels, with the reason, one it cannot carry."""
    before = SimBroker(SimBrokerConfig(slippage_bps=0, commission_per_share=0.01))
    first, market, history, live = await _leading_on_a_rising_market(make_engine, redis, before)

    async def entered() -> bool:  # the strategy's entry has filled
        return bool(await before.get_positions())

    fed = await _feed_until(entered, market, live, first)
    await wait_for(lambda: _filled_rows(sessions), what="the fill recorded")
    await first.close()
    async with sessions.begin() as session:  # a working order the new account cannot afford
        session.add(_working_row("too-big", qty=10_000_000))

    after = SimBroker(SimBrokerConfig(slippage_bps=0, commission_per_share=0.01))
    second = make_engine(Venue(after, ScriptedMarket(history + live[:fed]), "sim", "simulated"))
    await second.start()
    await wait_for(lambda: _async(second.trading), what="the restarted engine")

    async def same_positions() -> bool:  # booked at once; priced again once the run's bars flow
        return await after.get_positions() == await before.get_positions()

    assert after.traded
    await wait_for(same_positions, what="the positions carried on and priced")
    assert (await after.get_account()).cash == pytest.approx((await before.get_account()).cash)
    exits = {(o.id, o.client_order_id) for o in await before.get_orders()}
    assert (
        len(exits) == 2 and {(o.id, o.client_order_id) for o in await after.get_orders()} == exits
    )
    [dropped] = [o for o in await rows(sessions, OrderRecord) if o.client_order_id == "too-big"]
    assert dropped.status == "canceled"
    assert dropped.reject_reason.startswith("simulated exchange restarted: insufficient buying")
    actions = [a.action for a in await rows(sessions, AuditRecord)]
    assert actions.count("sim_account_restored") == 1 and "order_canceled" in actions


async def _filled_rows(sessions: async_sessionmaker[AsyncSession]) -> bool:
    return len(await rows(sessions, OrderRecord)) == 3 and bool(await rows(sessions, FillRecord))


def _working_row(client_order_id: str, qty: float) -> OrderRecord:
    return OrderRecord(
        client_order_id=client_order_id,
        broker_order_id=f"{client_order_id}-at-broker",
        source="manual",
        symbol="SIMA",
        side="buy",
        type="limit",
        time_in_force="day",
        qty=Decimal(qty),
        limit_price=Decimal(90),
        status="accepted",
        filled_qty=Decimal(0),
    )
