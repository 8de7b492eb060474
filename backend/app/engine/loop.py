"""One trading run while this process holds the leader lock: bars in, decisions, orders out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker, TradeUpdate
from app.core.events import SafePublisher
from app.core.metrics import observe_batch
from app.domain import Bar, OrderRequest, Side, Signal
from app.engine.aio import batched, raise_if_cancelling
from app.engine.client_ids import strategy_order_id
from app.engine.instances import InstanceSet, LiveInstance
from app.engine.orders import MIN_QTY, OrderManager, OrderOrigin
from app.engine.positions import PositionBook
from app.engine.reconcile import Reconciler
from app.engine.risk_gate import RiskBatch, RiskGate
from app.engine.signals import SignalBatch
from app.engine.status import AccountStatus
from app.engine.watch import BarClock
from app.engine.window import ATR_HISTORY, RollingWindows
from app.marketdata.base import MarketData, parse_timeframe
from app.models import EquityPointRecord, SignalRecord
from app.risk import Rejection

logger = logging.getLogger(__name__)

_END = object()


@dataclass(frozen=True, slots=True)
class LoopTimings:
    """How often the background duties of a run happen, in seconds."""

    poll: float
    reconcile: float
    equity: float
    instances: float = 5.0


LATENCY_SAMPLES = 2048  # the newest batches' timings kept for the benchmark: a bounded ring


@dataclass(slots=True)
class LoopStats:
    """Counters for the status page and the benchmark."""

    bars: int = 0
    signals: int = 0
    orders: int = 0
    rejections: int = 0
    last_bar_time: datetime | None = None
    # bars in -> orders out, seconds; and of which the strategies alone (newest batches only)
    batch_latencies: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))
    strategy_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=LATENCY_SAMPLES))


@dataclass(frozen=True, slots=True)
class LoopParts:
    broker: Broker
    market_data: MarketData
    sessions: async_sessionmaker[AsyncSession]
    events: SafePublisher
    orders: OrderManager
    positions: PositionBook
    reconciler: Reconciler
    instances: InstanceSet
    risk: RiskGate
    account: Callable[[], Awaitable[AccountStatus]]
    on_halt: Callable[[str, bool], Awaitable[object]]  # the risk chain asked to stop trading
    bars: BarClock = field(default_factory=BarClock)  # ticks with every batch, for the watch


class TradingLoop:
    """Runs until cancelled; the caller cancels it the moment the leader lock is lost."""

    def __init__(
        self, parts: LoopParts, timeframe: str, window_bars: int, timings: LoopTimings
    ) -> None:
        self._p = parts
        self._timeframe = timeframe
        self._interval = parse_timeframe(timeframe)
        self._window_bars = window_bars
        self._windows = RollingWindows(window_bars)
        self._timings = timings
        self._unpublished: list[SignalRecord] = []
        self._between_batches = asyncio.Event()  # trade updates wait while a batch is deciding
        self._between_batches.set()
        self.stats = LoopStats()

    async def run(self) -> None:
        await self._p.reconciler.run()
        async with asyncio.TaskGroup() as group:
            group.create_task(self.follow_trade_updates())
            group.create_task(self._every(self._timings.poll, self._poll))
            group.create_task(self._every(self._timings.reconcile, self._p.reconciler.run))
            group.create_task(self._every(self._timings.equity, self.record_equity))
            group.create_task(self._trade())

    async def _trade(self) -> None:
        """Stream bars for the symbols of enabled instances; restart the stream when they change."""
        while True:
            await self._p.instances.reload()
            symbols = self._p.instances.symbols()
            if not symbols:
                await asyncio.sleep(self._timings.instances)
                continue
            await self._warm_up(symbols)
            await self._stream(symbols)

    async def _stream(self, symbols: list[str]) -> None:
        queue: asyncio.Queue[Bar | object] = asyncio.Queue()

        async def produce() -> None:
            async for bar in self._p.market_data.stream(symbols):
                queue.put_nowait(bar)
            queue.put_nowait(_END)

        producer = asyncio.create_task(produce())
        next_reload = time.monotonic() + self._timings.instances
        try:
            while True:
                item = await queue.get()
                batch = [item]
                while not queue.empty():
                    batch.append(queue.get_nowait())
                bars = [b for b in batch if isinstance(b, Bar)]
                if bars:
                    await self.process(bars)
                if _END in batch:
                    logger.info("market data ended; waiting for instances to change")
                    await asyncio.sleep(self._timings.instances)
                    return
                if time.monotonic() >= next_reload:
                    next_reload = time.monotonic() + self._timings.instances
                    await self._p.instances.reload()
                    if self._p.instances.symbols() != symbols:
                        logger.info("symbols changed; restarting the bar stream")
                        return
        finally:
            producer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await producer

    async def _warm_up(self, symbols: list[str]) -> None:
        """Fill each new symbol's window from history, growing windows a strategy needs longer."""
        needed = max(self._window_bars, self._p.instances.longest_history(), ATR_HISTORY)
        if needed > self._windows.size:
            self._windows = RollingWindows(needed)
        end = datetime.now(UTC)
        start = end - max(self._interval * self._windows.size * 3, timedelta(days=5))
        for symbol in symbols:
            if self._windows.count(symbol):
                continue
            history = await self._p.market_data.history(symbol, self._timeframe, start, end)
            self._windows.extend(history[-self._windows.size :])

    async def process(self, bars: list[Bar]) -> None:
        """One batch of closed bars: match at the exchange, evaluate, check risk, order."""
        started = time.perf_counter()
        self._between_batches.clear()
        try:
            await self._decide_batch(bars, started)
        finally:
            self._between_batches.set()
        await self._publish_signals()

    async def _decide_batch(self, bars: list[Bar], started: float) -> None:
        batch = SignalBatch()
        evaluating = 0.0
        for bar in bars:
            if not self._windows.add(bar):
                continue  # a bar seen before (a replay, a reconnect) changes nothing
            self._p.broker.on_bar(bar)
            self.stats.bars += 1
            self.stats.last_bar_time = bar.time
            clock = time.perf_counter()
            frame = self._windows.frame(bar.symbol)
            assert frame is not None  # it just took the bar
            batch.advance(frame, self._p.instances.for_symbol(bar.symbol))
            evaluating += time.perf_counter() - clock
        clock = time.perf_counter()
        candidates = batch.signals()
        self.stats.strategy_seconds.append(evaluating + time.perf_counter() - clock)
        if candidates:
            await self._decide_and_order(candidates)
        self.stats.batch_latencies.append(time.perf_counter() - started)
        observe_batch(self.stats.batch_latencies[-1])
        self._p.bars.tick()

    async def _decide_and_order(self, candidates: list[tuple[LiveInstance, Signal]]) -> None:
        """Risk-check the batch's signals and write them down with their orders in one
        transaction; then send the orders (written first, so a crash cannot lose or repeat one)."""
        async with self._p.sessions.begin() as session:
            account, positions, working = await asyncio.gather(
                self._p.broker.get_account(),
                self._p.broker.get_positions(),
                self._p.orders.working_symbols(session),
            )
            if working & {signal.symbol for _, signal in candidates}:
                working = await self._settled_working(session)
            batch = await self._p.risk.batch(account, positions, self._windows)
            rows, halt = _decide(candidates, batch, working)
            ids = await session.scalars(  # one statement for the batch, ids in row order
                insert(SignalRecord).returning(SignalRecord.id, sort_by_parameter_order=True),
                [row for row, _ in rows],
            )
            signals = [SignalRecord(id=id_, **row) for id_, (row, _) in zip(ids, rows, strict=True)]
            intents = [
                (request, OrderOrigin("strategy", out.strategy_instance_id, out.id))
                for out, (_, request) in zip(signals, rows, strict=True)
                if request is not None
            ]
            fresh = await self._p.orders.record_intents(session, intents)
        await self._p.orders.submit(fresh)
        self.stats.signals += len(rows)
        self.stats.orders += len(fresh)
        self._unpublished = signals
        if halt is not None:
            await self._p.on_halt(halt.reason, halt.flatten)

    async def _settled_working(self, session: AsyncSession) -> set[str]:
        """A signal meets an order the database still thinks is working: the exchange may have
        filled it since (the simulated one fills it with the very bar that brought the signal,
        before its trade update is applied), so ask the broker before refusing the signal."""
        await self._p.reconciler.sync_orders(actor="engine")
        return await self._p.orders.working_symbols(session)

    async def _publish_signals(self) -> None:
        """After the orders are out: the batch's signals and risk rejections as live events."""
        signals, self._unpublished = self._unpublished, []
        for signal in signals:
            await self._p.events.publish("signal", signal)
            if signal.outcome == "rejected":
                self.stats.rejections += 1
                await self._p.events.publish("risk_rejection", signal)

    async def follow_trade_updates(self) -> None:
        """Follow the stream, a burst of updates in one transaction, between batches (a batch's
        orders go out first; the database learns of their fills moments later). If the stream
        breaks, polling covers the gap until it is back."""
        while True:
            try:
                async with contextlib.aclosing(batched(self._p.broker.trade_updates())) as stream:
                    async for updates in stream:
                        await self._between_batches.wait()
                        await self._apply_until_done(updates)
            except Exception as exc:
                raise_if_cancelling(exc)
                logger.exception("trade updates stream failed; resubscribing")
            await asyncio.sleep(self._timings.poll)

    async def _apply_until_done(self, updates: list[TradeUpdate]) -> None:
        """Apply a burst, retrying (with backoff) until it lands: the stream will not send it
        again, so a failed apply is never dropped. Positions follow; if the broker cannot say,
        the next poll syncs them."""
        delay = 0.1
        while True:
            try:
                booked = await self._p.orders.apply_updates(updates)
                break
            except Exception as exc:
                raise_if_cancelling(exc)
                logger.exception("applying %d trade updates failed; retrying", len(updates))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        if booked:
            try:
                await self._p.positions.sync()
            except Exception as exc:
                raise_if_cancelling(exc)
                logger.warning("positions not synced after a fill (%s); the poll will", exc)

    async def _poll(self) -> None:
        await self._p.reconciler.sync_orders(actor="engine")
        await self._p.positions.sync()

    async def record_equity(self) -> None:
        account = await self._p.broker.get_account()
        point = EquityPointRecord(
            time=datetime.now(UTC),
            equity=Decimal(str(account.equity)),
            cash=Decimal(str(account.cash)),
        )
        async with self._p.sessions.begin() as session:
            session.add(point)
        await self._p.events.publish("equity", point)
        await self._p.events.publish("account", await self._p.account())

    async def _every(self, seconds: float, duty: Callable[[], Awaitable[None]]) -> None:
        """Run a duty periodically; a failure is logged and retried next time, never fatal."""
        while True:
            raise_if_cancelling()
            await asyncio.sleep(seconds)
            try:
                await duty()
            except Exception:
                logger.exception(
                    "engine duty %s failed; will retry", getattr(duty, "__name__", duty)
                )


def _decide(
    candidates: list[tuple[LiveInstance, Signal]], batch: RiskBatch, working: set[str]
) -> tuple[list[tuple[dict[str, Any], OrderRequest | None]], Rejection | None]:
    """Each signal's row and order (None when refused), and a rejection asking to halt, if any."""
    rows: list[tuple[dict[str, Any], OrderRequest | None]] = []
    halt: Rejection | None = None
    for instance, signal in candidates:
        request: OrderRequest | None = None
        held = batch.positions.get(signal.symbol)
        if signal.symbol in working:
            verdict = f"an order for {signal.symbol} is still working"
        elif (
            signal.side is Side.SELL
            and not instance.allow_short
            and (held is None or held.qty <= 0)
        ):
            verdict = (
                f"{instance.name} is long-only: a sell signal opens no short in {signal.symbol}"
            )
        else:
            decision = batch.check(signal)
            verdict = decision.reason
            if decision.approved and decision.proposal.qty < MIN_QTY:
                verdict = f"order size {decision.proposal.qty:g} rounds to zero"
            elif decision.approved:
                client_id = strategy_order_id(instance.id, signal.symbol, signal.time, signal.side)
                request = _bracket_or_plain(decision.order(client_id))
                working.add(signal.symbol)
            elif decision.rejection is not None and decision.rejection.halt:
                halt = decision.rejection
        rows.append((_signal_row(instance, signal, request, verdict), request))
    return rows, halt


def _bracket_or_plain(request: OrderRequest) -> OrderRequest:
    """Brokers take both bracket legs or none; a lone leg (a stop with no target) is dropped."""
    if (request.take_profit is None) == (request.stop_loss is None):
        return request
    logger.info("%s: one bracket leg only; sending a plain order", request.client_order_id)
    return replace(request, take_profit=None, stop_loss=None)


def _signal_row(
    instance: LiveInstance, signal: Signal, request: OrderRequest | None, verdict: str
) -> dict[str, Any]:
    """The signal's row, as plain values: the batch inserts them all in one statement."""
    return {
        "strategy_instance_id": instance.id,
        "strategy": signal.strategy,
        "symbol": signal.symbol,
        "bar_time": signal.time,
        "side": signal.side.value,
        "strength": signal.strength,
        "reason": signal.reason,
        "values": signal.values,
        "outcome": "ordered" if request is not None else "rejected",
        "rejection_reason": None if request is not None else verdict,
        "created_at": datetime.now(UTC),
    }
