"""The engine in one backend process: it trades only while it holds the leader lock.

Every process runs a supervisor. The wanted state ("running"/"stopped") lives in Redis, so a
start or stop through any process reaches the leader; the leader publishes its run status there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any, Final

from redis.asyncio import Redis
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.sim import SimBroker
from app.core.config import Settings
from app.core.events import Publisher, SafePublisher
from app.core.metrics import report_bar_age
from app.domain import OrderRequest, Position, Side
from app.engine.aio import bounded, raise_if_cancelling
from app.engine.client_ids import manual_order_id
from app.engine.instances import InstanceSet, seed_instances
from app.engine.kill_switch import KillSwitch
from app.engine.leader import LeaderLock, holder_name
from app.engine.loop import LoopParts, LoopTimings, TradingLoop
from app.engine.orders import AuditNote, OrderManager, OrderOrigin
from app.engine.positions import PositionBook
from app.engine.reconcile import Reconciler
from app.engine.risk_gate import (
    RiskGate,
    load_risk_settings,
    save_risk_settings,
    seed_risk_settings,
)
from app.engine.sim_account import carry_on_simulated_account
from app.engine.status import AccountStatus, EngineStatus, KillOutcome, RunStatus
from app.engine.watch import AlertSink, BarClock, EngineWatch, LogOnly
from app.engine.wiring import Venue, build_venue
from app.marketdata.base import parse_timeframe
from app.models import EngineRun, OrderRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)

DESIRED_KEY = "trading-bot:engine:desired"
STATUS_KEY = "trading-bot:engine:status"
RUNNING: Final = "running"
STOPPED: Final = "stopped"
_RESTART_BACKOFF = 5.0


class EngineService:
    """Supervises trading in this process and offers the broker to the API."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        publisher: Publisher,
        venue: Venue | None = None,
        alerts: AlertSink | None = None,
    ) -> None:
        self.settings = settings
        self.venue = venue or build_venue(settings)
        self.broker = self.venue.broker
        self._sessions = sessions
        self._redis = redis
        self.events = SafePublisher(publisher)
        self._lock = LeaderLock(redis, holder_name(), settings.engine_lock_ttl_seconds)
        self.orders = OrderManager(self.broker, sessions, self.events)
        self.positions = PositionBook(self.broker, sessions, self.events)
        self.reconciler = Reconciler(self.broker, sessions, self.orders, self.positions)
        self.instances = InstanceSet(sessions)
        self._kill_switch = KillSwitch(self.broker, sessions, self.orders, self.instances)
        self.alerts = alerts or LogOnly()
        self._bars = BarClock()
        report_bar_age(self._bars.age)
        self._watch: EngineWatch | None = None
        self._tick = min(1.0, settings.engine_lock_ttl_seconds / 5)
        self._wake = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._loop: TradingLoop | None = None
        self._run_status: RunStatus | None = None
        self._retry_at = 0.0
        self._prepared = False
        self.last_error: str | None = None

    @property
    def holder(self) -> str:
        return self._lock.holder

    @property
    def trading(self) -> bool:
        return self._run_task is not None and not self._run_task.done()

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Begin supervising; the first step seeds defaults and honours autostart."""
        if self.settings.is_live_trading:
            logger.warning("LIVE TRADING with real money at %s", self.settings.alpaca_base_url)
        self._supervisor = asyncio.create_task(self._supervise(), name="engine-supervisor")

    async def close(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        await self._stop_run("process shutting down")
        await self.events.close()
        await self.venue.close()

    def wake(self) -> None:
        """Look at the wanted state now instead of at the next tick."""
        self._wake.set()

    # ------------------------------------------------------------------ supervision
    async def _supervise(self) -> None:
        while True:
            try:
                await self._step()
            except Exception as exc:  # Redis or database trouble: never trade unsupervised
                raise_if_cancelling(exc)
                logger.exception("engine supervisor step failed")
                self.last_error = f"supervisor: {exc}"
                if self.trading:
                    self.alerts.send("leader_lost", f"{self.holder} cannot confirm the lock: {exc}")
                await self._stop_run(f"cannot confirm the leader lock: {exc}")
            raise_if_cancelling()
            with contextlib.suppress(TimeoutError):
                await bounded(self._wake.wait(), self._tick)
            self._wake.clear()

    async def _prepare(self) -> None:
        """Once per process, retried by the supervisor until the database and Redis answer."""
        await seed_risk_settings(self._sessions, simulated=self.venue.broker_name == "sim")
        if self.settings.seed_symbols:
            await seed_instances(self._sessions, self.settings.seed_symbols)
        if self.settings.engine_autostarts:
            await self._redis.set(DESIRED_KEY, RUNNING, nx=True)
        self._prepared = True

    async def _step(self) -> None:
        if not self._prepared:
            await self._prepare()
        wanted = await self._redis.get(DESIRED_KEY) == RUNNING
        if self._run_task is not None and self._run_task.done():
            await self._collect_finished_run()
        if self._run_task is not None:
            if not wanted:
                await self._stop_run("stopped by request")
            elif not await self._renew():
                logger.error("LOST the engine leader lock: trading stopped in %s", self.holder)
                self.alerts.send("leader_lost", f"{self.holder} lost the leader lock")
                await self._stop_run("leader lock lost")
            else:
                await self._publish_run_status()
                if self._watch is not None:
                    await self._watch.check()
        elif wanted and time.monotonic() >= self._retry_at and await self._lock.acquire():
            await self._start_run()

    async def _renew(self) -> bool:
        return await bounded(self._lock.renew(), self.settings.engine_lock_ttl_seconds / 3)

    async def _start_run(self) -> None:
        if isinstance(self.broker, SimBroker):
            await carry_on_simulated_account(self.broker, self._sessions, self.orders)
        async with self._sessions.begin() as session:
            run = EngineRun(
                holder=self.holder,
                broker=self.venue.broker_name,
                data_source=self.venue.data_source,
            )
            session.add(run)
            await session.flush()
            add_audit(session, "engine", "engine_started", "engine", run.id, message=self.holder)
        self._loop = TradingLoop(
            self._loop_parts(),
            self.settings.engine_timeframe,
            self.settings.engine_window_bars,
            self._timings(),
        )
        self._run_status = RunStatus(
            holder=self.holder, run_id=run.id, started_at=datetime.now(UTC), symbols=[]
        )
        self._run_task = asyncio.create_task(self._loop.run(), name=f"engine-run-{run.id}")
        self._watch = self._new_watch()
        self.last_error = None
        logger.info("engine run %d started in %s", run.id, self.holder)
        await self._publish_run_status()
        await self.events.publish("engine", await self._status_or_minimal())

    async def _collect_finished_run(self) -> None:
        assert self._run_task is not None
        error = self._run_task.exception() if not self._run_task.cancelled() else None
        reason = f"failed: {error!r}" if error else "ended"
        if error:
            logger.error("engine run failed; retrying in %.0f s", _RESTART_BACKOFF, exc_info=error)
            self.last_error = repr(error)[:500]
        self._retry_at = time.monotonic() + _RESTART_BACKOFF
        await self._stop_run(reason)

    async def _stop_run(self, reason: str) -> None:
        task = self._run_task
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})  # unlike `await task`, never mistakes its end for ours
        self._run_task = None
        status, self._run_status, self._loop = self._run_status, None, None
        with contextlib.suppress(Exception):
            await self._lock.release()
        with contextlib.suppress(Exception):
            await self._redis.delete(STATUS_KEY)
        if status is not None:
            with contextlib.suppress(Exception):
                async with self._sessions.begin() as session:
                    await session.execute(
                        update(EngineRun)
                        .where(EngineRun.id == status.run_id)
                        .values(stopped_at=datetime.now(UTC), stop_reason=reason)
                    )
                    add_audit(
                        session, "engine", "engine_stopped", "engine", status.run_id, message=reason
                    )
        logger.info("engine run stopped: %s", reason)
        await self.events.publish("engine", await self._status_or_minimal())

    async def _publish_run_status(self) -> None:
        if self._run_status is None or self._loop is None:
            return
        stats = self._loop.stats
        self._run_status = self._run_status.model_copy(
            update={
                "symbols": self.instances.symbols(),
                "bars": stats.bars,
                "signals": stats.signals,
                "orders": stats.orders,
                "rejections": stats.rejections,
                "last_bar_time": stats.last_bar_time,
            }
        )
        ttl_ms = int(self.settings.engine_lock_ttl_seconds * 2000)
        await self._redis.set(STATUS_KEY, self._run_status.model_dump_json(), px=ttl_ms)

    def _loop_parts(self) -> LoopParts:
        return LoopParts(
            broker=self.broker,
            market_data=self.venue.market_data,
            sessions=self._sessions,
            events=self.events,
            orders=self.orders,
            positions=self.positions,
            reconciler=self.reconciler,
            instances=self.instances,
            risk=RiskGate(self._sessions, self.settings.sim_commission_per_share),
            account=self.account,
            on_halt=self._halt,
            bars=self._bars,
        )

    def _new_watch(self) -> EngineWatch:
        s = self.settings
        bar_seconds = parse_timeframe(s.engine_timeframe).total_seconds()
        return EngineWatch(
            self.alerts,
            self.broker,
            self.venue.health,
            self._bars,
            s.alert_broker_failures,
            s.alert_stale_bars * bar_seconds,
        )

    def _timings(self) -> LoopTimings:
        s = self.settings
        return LoopTimings(
            poll=s.engine_poll_seconds,
            reconcile=s.engine_reconcile_seconds,
            equity=s.engine_equity_seconds,
        )

    # ------------------------------------------------------------------ API
    async def status(self) -> EngineStatus:
        desired = await self._redis.get(DESIRED_KEY)
        raw = await self._redis.get(STATUS_KEY)
        leader = await self._lock.current_holder()
        run = RunStatus.model_validate_json(raw) if raw else None
        return EngineStatus(
            desired=RUNNING if desired == RUNNING else STOPPED,
            state=RUNNING if run is not None else STOPPED,
            leader=leader,
            this_process_leads=leader == self.holder,
            broker=self.venue.broker_name,
            market_data=self.venue.market_data.source,
            data_source=self.venue.data_source,
            live_trading=self.settings.is_live_trading,
            run=run,
            last_error=self.last_error,
        )

    async def _status_or_minimal(self) -> EngineStatus:
        try:
            return await self.status()
        except Exception:
            logger.warning("engine status unavailable", exc_info=True)
            return EngineStatus(
                desired=STOPPED,
                state=STOPPED,
                leader=None,
                this_process_leads=False,
                broker=self.venue.broker_name,
                market_data=self.venue.market_data.source,
                data_source=self.venue.data_source,
                live_trading=self.settings.is_live_trading,
                run=None,
                last_error=self.last_error,
            )

    async def request(self, running: bool, user: str) -> EngineStatus:
        """Ask every process for a running or stopped engine; the leader acts within a tick."""
        previous = await self._redis.getset(DESIRED_KEY, RUNNING if running else STOPPED)
        async with self._sessions.begin() as session:
            add_audit(
                session,
                user,
                "engine_start" if running else "engine_stop",
                "engine",
                before={"desired": previous},
                after={"desired": RUNNING if running else STOPPED},
            )
        self._retry_at = 0.0
        self.wake()
        if not running:
            await self._stop_run(f"stopped by {user}")
        status = await self.status()
        await self.events.publish("engine", status)
        return status

    async def kill(self, user: str, flatten: bool) -> KillOutcome:
        """Stop every strategy, cancel every open order and, if asked, close every position."""
        report = await self._kill_switch.pull(user, flatten)
        self.alerts.send("kill_switch", f"kill switch pulled by {user}", asdict(report))
        status = await self.status()
        await self.events.publish("engine", status)
        return KillOutcome(status, report)

    async def _halt(self, reason: str, flatten: bool) -> None:
        """The risk chain's drawdown switch: the kill switch, pulled by the engine itself."""
        logger.error("risk chain halted trading: %s", reason)
        self.alerts.send("risk_halt", reason, {"flatten": flatten})
        await self.kill("risk", flatten)

    async def account(self) -> AccountStatus:
        account, clock = await asyncio.gather(self.broker.get_account(), self.broker.get_clock())
        return AccountStatus(account, clock.is_open, self.venue.data_source)

    async def allow_entries(self, allowed: bool, actor: str) -> bool:
        """Start or stop opening positions (exits keep trading); False if already so."""
        async with self._sessions.begin() as session:
            before = await load_risk_settings(session)
            if before.new_entries == allowed:
                return False
            save_risk_settings(
                session, before, before.model_copy(update={"new_entries": allowed}), actor
            )
        return True

    async def open_positions(self) -> list[Position]:
        return await self.broker.get_positions()

    async def open_orders(self) -> list[OrderRecord]:
        """Orders the database believes are still working (or not yet confirmed)."""
        return await self.orders.open_rows()

    async def place_order(
        self, request: OrderRequest, actor: str, asked: dict[str, Any]
    ) -> OrderRecord:
        """A manual order: written down with its audit row in one transaction, then sent."""
        note = AuditNote(actor, "order_create", after=asked)
        return await self.orders.place(request, OrderOrigin("manual"), note)

    async def cancel_order(self, record: OrderRecord, actor: str) -> None:
        """Ask the broker to cancel an open order, audited; it turns canceled when confirmed."""
        await self.orders.cancel(record)
        async with self._sessions.begin() as session:
            add_audit(
                session, actor, "order_cancel", "order", record.id, before={"status": record.status}
            )

    async def close_position(
        self, symbol: str, actor: str, qty: float | None = None
    ) -> OrderRecord:
        """A market order closing the position in `symbol` (or `qty` of it), audited."""
        held = {p.symbol: p for p in await self.open_positions()}
        position = held.get(symbol)
        if position is None:
            raise NoPosition(symbol)
        if qty is not None and qty > abs(position.qty):
            raise ValueError(f"{qty} is more than the {abs(position.qty)} held")
        request = OrderRequest(
            client_order_id=manual_order_id(),
            symbol=symbol,
            side=Side.SELL if position.qty > 0 else Side.BUY,
            qty=qty or abs(position.qty),
        )
        after = {"client_order_id": request.client_order_id, "qty": request.qty}
        note = AuditNote(actor, "position_close", "position", symbol, after)
        return await self.orders.place(request, OrderOrigin("manual"), note)


class NoPosition(LookupError):
    """Nothing is held in the symbol asked to close."""
