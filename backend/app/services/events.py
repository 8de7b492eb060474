"""Publishing that never takes the engine down: a lost live event is logged, not raised."""

from __future__ import annotations

import logging
from typing import Any

from app.core.events import Publisher

logger = logging.getLogger(__name__)

EVENTS = ("order", "fill", "signal", "position", "equity", "account", "engine", "risk_rejection")


class SafePublisher:
    """Wraps a Publisher; the database row is the record, the live event is a courtesy."""

    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def publish(self, event: str, payload: Any) -> None:
        assert event in EVENTS, event
        try:
            await self._publisher.publish(event, payload)
        except Exception:
            logger.warning("could not publish live event %r", event, exc_info=True)
