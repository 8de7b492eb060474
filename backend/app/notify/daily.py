"""The daily summary after the close: equity, day P&L, fills, open positions and rejections,
sent once per session by whichever process leads (a Redis key makes it once across processes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engine.service import EngineService
from app.models import OrderRecord
from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher
from app.notify.feed import money
from app.notify.pnl import realised_since
from app.risk.calendar import MarketCalendar, calendar

logger = logging.getLogger(__name__)

SENT_KEY = "trading-bot:notify:daily-summary:{day}"


class DailySummary:
    """Checks each minute; after `delay` past a session's close it sends that session's summary."""

    def __init__(
        self,
        engine: EngineService,
        sessions: async_sessionmaker[AsyncSession],
        redis: Redis,
        dispatcher: Dispatcher,
        market: MarketCalendar | None = None,
        delay: timedelta = timedelta(minutes=5),
    ) -> None:
        self._engine = engine
        self._sessions = sessions
        self._redis = redis
        self._dispatcher = dispatcher
        self._market = market or calendar()
        self._delay = delay
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="daily-summary")

    async def _run(self) -> None:
        while True:
            try:
                await self.check(datetime.now().astimezone())
            except Exception:  # the broker or database is down: the next minute tries again
                logger.warning("daily summary not sent", exc_info=True)
            await asyncio.sleep(60)

    async def check(self, now: datetime) -> bool:
        """Send the summary of the session that closed before `now`, if due and not sent yet."""
        if not self._engine.trading:
            return False
        close = self._market.last_close(now)
        if now < close + self._delay or now - close > timedelta(hours=12):
            return False
        key = SENT_KEY.format(day=close.date().isoformat())
        if not await self._redis.set(key, "sent", nx=True, ex=7 * 24 * 3600):
            return False
        self._dispatcher.notify(await self.compose(close))
        return True

    async def compose(self, close: datetime) -> Notice:
        account = (await self._engine.account()).account
        positions = await self._engine.open_positions()
        since = close - timedelta(hours=24)
        async with self._sessions() as session:
            realised = await realised_since(session, since)
            rejected = await session.scalar(
                select(func.count())
                .select_from(OrderRecord)
                .where(OrderRecord.status == "rejected", OrderRecord.updated_at >= since)
            )
        held = ", ".join(f"{p.symbol} {money(p.unrealized_pl)}" for p in positions) or "none"
        day_pnl = money(account.equity - account.last_equity)
        body = (
            f"Equity ${account.equity:,.2f}, day P&L {day_pnl}, realised {money(realised.pnl)}\n"
            f"{realised.fills} fills ({realised.exits} exits), {rejected or 0} rejected orders\n"
            f"Open positions: {held}"
        )
        return Notice("daily_summary", f"Daily summary {close.date().isoformat()}", body)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
