"""Publishing that never holds the engine up: events queue and go out in order, in background.

The database row is the record; the live event is a courtesy. A slow or absent Redis delays or
drops events (logged), never an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from app.core.events import Publisher

logger = logging.getLogger(__name__)

EVENTS = ("order", "fill", "signal", "position", "equity", "account", "engine", "risk_rejection")


class SafePublisher:
    """Wraps a Publisher with a bounded queue drained by one background task."""

    def __init__(self, publisher: Publisher, capacity: int = 10_000) -> None:
        self._publisher = publisher
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(capacity)
        self._sender: asyncio.Task[None] | None = None
        self.dropped = 0

    async def publish(self, event: str, payload: Any) -> None:
        assert event in EVENTS, event
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.warning("live events backing up: %d dropped so far", self.dropped)
        self._queue.put_nowait((event, payload))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="live-events")

    async def _send(self) -> None:
        while not self._queue.empty():
            event, payload = self._queue.get_nowait()
            try:
                await self._publisher.publish(event, payload)
            except Exception:
                logger.warning("could not publish live event %r", event, exc_info=True)

    async def flush(self, within: float = 5.0) -> None:
        """Wait until every queued event went out (or `within` seconds passed)."""
        if self._sender is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._sender), within)

    async def close(self) -> None:
        await self.flush()
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.wait({self._sender})
