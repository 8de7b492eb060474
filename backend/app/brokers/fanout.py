"""Hands each trade update to every subscriber, so the engine and the UI can both listen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from app.brokers.base import TradeUpdate


class Fanout:
    """One queue per subscriber; `close()` ends every subscription."""

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[TradeUpdate | None]] = set()

    @property
    def subscribers(self) -> int:
        """How many subscriptions are open."""
        return len(self._queues)

    def publish(self, update: TradeUpdate) -> None:
        """Deliver `update` to every subscriber, never blocking the publisher."""
        for queue in self._queues:
            queue.put_nowait(update)

    def subscribe(self) -> AsyncIterator[TradeUpdate]:
        """Updates published from this call on, until `close()`; iterate it or `aclose()` it."""
        queue: asyncio.Queue[TradeUpdate | None] = asyncio.Queue()
        self._queues.add(queue)
        return self._drain(queue)

    async def _drain(self, queue: asyncio.Queue[TradeUpdate | None]) -> AsyncIterator[TradeUpdate]:
        try:
            while (update := await queue.get()) is not None:
                yield update
        finally:
            self._queues.discard(queue)

    def close(self) -> None:
        """End every open subscription after the updates already queued."""
        for queue in self._queues:
            queue.put_nowait(None)
