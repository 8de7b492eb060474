"""The engine's façade: what the API, the CLI and the notifications may ask of it. It holds the
pieces (venue, order book, leadership, run records, supervisor) and knows no broker by name."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.events import Publisher, SafePublisher
from app.core.metrics import report_bar_age
from app.domain import OrderRequest, Position, Side
from app.engine.client_ids import manual_order_id
from app.engine.instances import InstanceSet, seed_instances
from app.engine.kill_switch import KillSwitch
from app.engine.leader import STOPPED, Leadership
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
from app.engine.runs import RunRecords
from app.engine.sim_account import carry_on_account
from app.engine.status import AccountStatus, EngineStatus, KillOutcome
from app.engine.supervisor import RunPlan, Supervisor
from app.engine.watch import AlertSink, BarClock, EngineWatch, LogOnly
from app.engine.wiring import Venue, build_venue
from app.marketdata.base import parse_timeframe
from app.models import OrderRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)


class EngineService:
    """The engine of this process, started and closed by the app's lifespan."""

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
        self.events = SafePublisher(publisher)
        self.orders = OrderManager(self.broker, sessions, self.events)
        self.positions = PositionBook(self.broker, sessions, self.events)
        self.reconciler = Reconciler(self.broker, sessions, self.orders, self.positions)
        self.instances = InstanceSet(sessions)
        self._kill_switch = KillSwitch(self.broker, sessions, self.orders, self.instances)
        self.alerts = alerts or LogOnly()
        self._bars = BarClock()
        report_bar_age(self._bars.age)
        ttl = settings.engine_lock_ttl_seconds
        self.leadership = Leadership(redis, ttl)
        self._runs = RunRecords(sessions, redis, status_ttl=2 * ttl)
        self.supervisor = Supervisor(
            self.leadership,
            self._runs,
            self._plan(),
            self.alerts,
            tick=min(1.0, ttl / 5),
        )

    @property
    def holder(self) -> str:
        return self.leadership.holder

    @property
    def trading(self) -> bool:
        return self.supervisor.trading

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Begin supervising; the first step seeds defaults and honours autostart."""
        if self.settings.is_live_trading:
            logger.warning("LIVE TRADING with real money at %s", self.settings.alpaca_base_url)
        self.supervisor.start()

    async def close(self) -> None:
        await self.supervisor.close()
        await self.events.close()
        await self.venue.close()

    def wake(self) -> None:
        """Look at the wanted state now instead of at the next tick."""
        self.supervisor.wake()

    def _plan(self) -> RunPlan:
        return RunPlan(
            venue=(self.venue.broker_name, self.venue.data_source),
            prepare=self._prepare,
            before_run=lambda: carry_on_account(self.broker, self._sessions, self.orders),
            new_loop=self._new_loop,
            new_watch=self._new_watch,
            symbols=self.instances.symbols,
            changed=self._announce,
        )

    async def _prepare(self) -> None:
        await seed_risk_settings(self._sessions, simulated=self.venue.broker_name == "sim")
        if self.settings.seed_symbols:
            await seed_instances(self._sessions, self.settings.seed_symbols)
        if self.settings.engine_autostarts:
            await self.leadership.want_running_unless_told()

    def _new_loop(self) -> TradingLoop:
        s = self.settings
        return TradingLoop(
            self._loop_parts(), s.engine_timeframe, s.engine_window_bars, self._timings()
        )

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
            market_data=self.venue.market_data,
        )

    def _timings(self) -> LoopTimings:
        s = self.settings
        return LoopTimings(
            poll=s.engine_poll_seconds,
            reconcile=s.engine_reconcile_seconds,
            equity=s.engine_equity_seconds,
        )

    async def _announce(self) -> None:
        await self.events.publish("engine", await self._status_or_minimal())

    # ------------------------------------------------------------------ the façade
    async def status(self) -> EngineStatus:
        desired = await self.leadership.desired()
        run = await self._runs.current()
        leader = await self.leadership.leader()
        return EngineStatus(
            desired=desired,
            state="running" if run is not None else STOPPED,
            leader=leader,
            this_process_leads=leader == self.holder,
            broker=self.venue.broker_name,
            market_data=self.venue.market_data.source,
            data_source=self.venue.data_source,
            live_trading=self.settings.is_live_trading,
            run=run,
            last_error=self.supervisor.last_error,
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
                last_error=self.supervisor.last_error,
            )

    async def request(self, running: bool, user: str) -> EngineStatus:
        """Ask every process for a running or stopped engine; the leader acts within a tick."""
        previous = await self.leadership.want(running)
        async with self._sessions.begin() as session:
            add_audit(
                session,
                user,
                "engine_start" if running else "engine_stop",
                "engine",
                before={"desired": previous},
                after={"desired": "running" if running else STOPPED},
            )
        self.supervisor.wake(retry_now=True)
        if not running:
            await self.supervisor.stop_run(f"stopped by {user}")
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
