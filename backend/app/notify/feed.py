"""Turns the engine's published events into notices: fills (with realised P&L on exits) and
rejected orders. It sits behind the live-event publisher, so it sees exactly what the
dashboard sees, and works off a bounded queue of its own, never on the engine's path."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.events import Publisher
from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher
from app.notify.pnl import booked_fill

logger = logging.getLogger(__name__)


def quantity(value: float) -> str:
    return f"{value:.9f}".rstrip("0").rstrip(".")


def money(value: float) -> str:
    sign = "-" if value < 0 else ("+" if value > 0 else "")
    return f"{sign}${abs(value):,.2f}"


class NotifyingPublisher:
    """A Publisher that also offers each event to the notification feed."""

    def __init__(self, inner: Publisher, feed: EventFeed) -> None:
        self._inner = inner
        self._feed = feed

    async def publish(self, event: str, payload: Any) -> None:
        self._feed.offer(event, payload)
        await self._inner.publish(event, payload)


class EventFeed:
    """Fills and rejected orders become notices in a background task of their own."""

    def __init__(
        self,
        dispatcher: Dispatcher,
        sessions: async_sessionmaker[AsyncSession],
        capacity: int = 1000,
    ) -> None:
        self._dispatcher = dispatcher
        self._sessions = sessions
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(capacity)
        self._worker: asyncio.Task[None] | None = None

    def offer(self, event: str, payload: Any) -> None:
        if event not in ("fill", "order") or self._queue.full():
            return
        data = jsonable_encoder(payload)
        if event == "order" and data.get("status") != "rejected":
            return
        self._queue.put_nowait((event, data))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="notify-feed")

    async def _run(self) -> None:
        while True:
            event, data = await self._queue.get()
            try:
                notice = await (self._fill(data) if event == "fill" else self._rejected(data))
            except Exception:  # a bad row must not end the feed
                logger.exception("could not describe %s event", event)
            else:
                self._dispatcher.notify(notice)
            finally:
                self._queue.task_done()

    async def _fill(self, fill: dict[str, Any]) -> Notice:
        async with self._sessions() as session:
            booked = await booked_fill(session, fill["id"])
        exiting = booked is not None and booked.exiting
        verb = "Bought" if fill["side"] == "buy" else "Sold"
        qty, symbol, price = quantity(fill["qty"]), fill["symbol"], fill["price"]
        body = f"{verb} {qty} {symbol} at ${price:,.2f}, fees ${fill['commission']:,.2f}"
        if booked is not None and booked.exiting:
            body += f"; realised P&L {money(booked.realised)}"
        kind = "exit" if exiting else "entry"
        return Notice("fill", f"{verb} {qty} {symbol} ({kind})", body)

    async def _rejected(self, order: dict[str, Any]) -> Notice:
        reason = order.get("reject_reason") or "no reason given"
        what = f"{order['side']} {quantity(order['qty'])} {order['symbol']}"
        return Notice(
            "order_rejected", f"Order rejected: {what}", f"The broker rejected {what}: {reason}"
        )

    async def close(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    async def drain(self, within: float = 5.0) -> None:
        """Wait until every offered event became a notice (tests, shutdown)."""
        await asyncio.wait_for(self._queue.join(), within)
