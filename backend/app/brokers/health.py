"""How a venue's calls have been going: the outage alert reads it, the metrics count its faults."""

from __future__ import annotations

from app.brokers.base import BrokerError, BrokerUnavailable
from app.core.metrics import count_broker_error


class CallHealth:
    """Calls in a row that found the venue unavailable; one per venue, shared by its clients."""

    def __init__(self) -> None:
        self._unavailable_streak = 0

    @property
    def unavailable_streak(self) -> int:
        return self._unavailable_streak

    def note(self, error: BrokerError | None) -> None:
        """A call ended: None when it succeeded, else its fault (counted by kind)."""
        if error is None:
            self._unavailable_streak = 0
            return
        count_broker_error(error.kind)
        if isinstance(error, BrokerUnavailable):
            self._unavailable_streak += 1
