"""The minute bars a live stream missed while it was down, fetched once from history.

Alpaca's stream does not replay the bars that closed while a client was disconnected, so after
every resubscription the gap since each symbol's last bar is read from the historical API and
handed on, oldest first, before the live bars resume; a bar already handed on is never handed on
again (the REST reply and the resumed stream overlap by a minute or so). Own code: alpaca-py
offers no gap filling, and this is bookkeeping of which minute each symbol saw last.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from app.brokers.base import BrokerError
from app.domain import Bar

logger = logging.getLogger(__name__)

MINUTE = timedelta(minutes=1)
History = Callable[[str, datetime, datetime], Awaitable[list[Bar]]]


def minute_of(moment: datetime) -> datetime:
    """The start of the minute `moment` falls in."""
    return moment.replace(second=0, microsecond=0)


class MinuteGaps:
    """Per symbol, the last minute bar handed on, and what a reconnect missed since."""

    def __init__(self, symbols: Sequence[str], since: datetime) -> None:
        self._symbols = list(symbols)
        self._since = minute_of(since)  # a symbol with no bar yet misses nothing before this
        self._last: dict[str, datetime] = {}

    def fresh(self, bar: Bar) -> bool:
        """Whether `bar` is newer than the symbol's last one; if so it becomes the last."""
        last = self._last.get(bar.symbol)
        if last is not None and bar.time <= last:
            return False
        self._last[bar.symbol] = bar.time
        return True

    async def missed(self, history: History, now: datetime) -> list[Bar]:
        """The closed minutes from each symbol's last bar up to `now`, in time order, each
        once. A symbol whose history cannot be read keeps its gap (logged) and the stream
        goes on: live bars are worth more than a complete past."""
        end = minute_of(now)  # the minute in progress has not closed yet
        found: list[Bar] = []
        for symbol in self._symbols:
            last = self._last.get(symbol)
            start = self._since if last is None else last + MINUTE
            if start >= end:
                continue
            try:
                found.extend(await history(symbol, start, end))
            except BrokerError as exc:
                logger.error("could not backfill %s minutes %s to %s: %s", symbol, start, end, exc)
        found.sort(key=lambda bar: (bar.time, bar.symbol))
        missed = [bar for bar in found if bar.time < end and self.fresh(bar)]
        if missed:
            logger.info("backfilled %d minute bars the stream missed", len(missed))
        return missed
