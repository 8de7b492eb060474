"""Every backend process runs a supervisor; it trades only while it holds the leader lock and
the user wants trading. A run that fails is restarted after a pause."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from app.engine.aio import bounded, raise_if_cancelling
from app.engine.leader import Leadership
from app.engine.loop import TradingLoop
from app.engine.runs import RunRecords
from app.engine.status import RunStatus
from app.engine.watch import AlertSink, EngineWatch

logger = logging.getLogger(__name__)

_RESTART_BACKOFF = 5.0


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What the supervisor needs to start and watch a run, from the façade that owns the parts."""

    venue: tuple[str, str]  # broker name and data source, for the run's row
    prepare: Callable[[], Awaitable[None]]  # once per process: seeds and autostart
    before_run: Callable[[], Awaitable[None]]  # e.g. carrying on an in-process exchange's book
    new_loop: Callable[[], TradingLoop]
    new_watch: Callable[[], EngineWatch]
    symbols: Callable[[], list[str]]
    changed: Callable[[], Awaitable[None]]  # announce the engine's status


class Supervisor:
    """Starts a run when leading and wanted, stops it when either ends, keeps its status fresh."""

    def __init__(
        self,
        leadership: Leadership,
        runs: RunRecords,
        plan: RunPlan,
        alerts: AlertSink,
        tick: float,
    ) -> None:
        self._leadership = leadership
        self._runs = runs
        self._plan = plan
        self._alerts = alerts
        self._tick = tick
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._run_task: asyncio.Task[None] | None = None
        self._watch: EngineWatch | None = None
        self._run_status: RunStatus | None = None
        self._retry_at = 0.0
        self._prepared = False
        self.loop: TradingLoop | None = None  # the current run's loop, None between runs
        self.last_error: str | None = None

    @property
    def trading(self) -> bool:
        return self._run_task is not None and not self._run_task.done()

    def start(self) -> None:
        self._task = asyncio.create_task(self._supervise(), name="engine-supervisor")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.stop_run("process shutting down")

    def wake(self, retry_now: bool = False) -> None:
        """Look at the wanted state now instead of at the next tick."""
        if retry_now:
            self._retry_at = 0.0
        self._wake.set()

    async def _supervise(self) -> None:
        while True:
            try:
                await self._step()
            except Exception as exc:  # Redis or database trouble: never trade unsupervised
                raise_if_cancelling(exc)
                logger.exception("engine supervisor step failed")
                self.last_error = f"supervisor: {exc}"
                if self.trading:
                    holder = self._leadership.holder
                    self._alerts.send("leader_lost", f"{holder} cannot confirm the lock: {exc}")
                await self.stop_run(f"cannot confirm the leader lock: {exc}")
            raise_if_cancelling()
            with contextlib.suppress(TimeoutError):
                await bounded(self._wake.wait(), self._tick)
            self._wake.clear()

    async def _step(self) -> None:
        if not self._prepared:
            await self._plan.prepare()  # retried each tick until the database and Redis answer
            self._prepared = True
        wanted = await self._leadership.desired() == "running"
        if self._run_task is not None and self._run_task.done():
            await self._collect_finished_run()
        if self._run_task is not None:
            if not wanted:
                await self.stop_run("stopped by request")
            elif not await self._leadership.renew():
                holder = self._leadership.holder
                logger.error("LOST the engine leader lock: trading stopped in %s", holder)
                self._alerts.send("leader_lost", f"{holder} lost the leader lock")
                await self.stop_run("leader lock lost")
            else:
                await self._publish_run_status()
                if self._watch is not None:
                    await self._watch.check()
        elif wanted and time.monotonic() >= self._retry_at and await self._leadership.acquire():
            await self._start_run()

    async def _start_run(self) -> None:
        await self._plan.before_run()
        holder = self._leadership.holder
        self._run_status = await self._runs.open(holder, *self._plan.venue)
        self.loop = self._plan.new_loop()
        run_id = self._run_status.run_id
        self._run_task = asyncio.create_task(self.loop.run(), name=f"engine-run-{run_id}")
        self._watch = self._plan.new_watch()
        self.last_error = None
        logger.info("engine run %d started in %s", run_id, holder)
        await self._publish_run_status()
        await self._plan.changed()

    async def _collect_finished_run(self) -> None:
        assert self._run_task is not None
        error = self._run_task.exception() if not self._run_task.cancelled() else None
        reason = f"failed: {error!r}" if error else "ended"
        if error:
            logger.error("engine run failed; retrying in %.0f s", _RESTART_BACKOFF, exc_info=error)
            self.last_error = repr(error)[:500]
        self._retry_at = time.monotonic() + _RESTART_BACKOFF
        await self.stop_run(reason)

    async def stop_run(self, reason: str) -> None:
        task = self._run_task
        if task is None:
            return
        task.cancel()
        await asyncio.wait({task})  # unlike `await task`, never mistakes its end for ours
        self._run_task = None
        status, self._run_status, self.loop = self._run_status, None, None
        with contextlib.suppress(Exception):
            await self._leadership.release()
        await self._runs.close(status, reason)
        logger.info("engine run stopped: %s", reason)
        await self._plan.changed()

    async def _publish_run_status(self) -> None:
        if self._run_status is None or self.loop is None:
            return
        stats = self.loop.stats
        self._run_status = self._run_status.model_copy(
            update={
                "symbols": self._plan.symbols(),
                "bars": stats.bars,
                "signals": stats.signals,
                "orders": stats.orders,
                "rejections": stats.rejections,
                "last_bar_time": stats.last_bar_time,
            }
        )
        await self._runs.publish(self._run_status)
