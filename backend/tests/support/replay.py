"""A trading loop fed bars by hand (no market data, no background duties): how the parity test
and the latency bench drive the live engine on the simulated broker, one batch at a time."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.retry import RetryPolicy
from app.brokers.sim import SimBroker
from app.core.events import SafePublisher
from app.engine.instances import InstanceSet
from app.engine.loop import LoopParts, LoopTimings, TradingLoop
from app.engine.orders import OrderManager
from app.engine.positions import PositionBook
from app.engine.reconcile import Reconciler
from app.engine.risk_gate import RiskGate
from app.engine.status import AccountStatus


async def replay_loop(
    broker: SimBroker,
    sessions: async_sessionmaker[AsyncSession],
    events: SafePublisher,
    window_bars: int,
    risk_refresh: float = 2.0,
) -> tuple[TradingLoop, LoopParts]:
    """The engine's loop on `broker` with the enabled instances of the database, and its parts;
    call `loop.process(bars)` per batch."""
    orders = OrderManager(broker, sessions, events, RetryPolicy())
    positions = PositionBook(broker, sessions, events)
    instances = InstanceSet(sessions)
    await instances.reload()

    async def unused(*_: object) -> AccountStatus:
        raise AssertionError("not called by process()")

    parts = LoopParts(
        broker=broker,
        market_data=None,  # type: ignore[arg-type] - bars are fed directly
        sessions=sessions,
        events=events,
        orders=orders,
        positions=positions,
        reconciler=Reconciler(broker, sessions, orders, positions),
        instances=instances,
        risk=RiskGate(sessions, broker.config.commission_per_share, refresh=risk_refresh),
        account=unused,
        on_halt=unused,
    )
    timings = LoopTimings(poll=1, reconcile=60, equity=10)
    return TradingLoop(parts, "1Min", window_bars, timings), parts
