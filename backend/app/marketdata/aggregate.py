"""Minute bars into longer ones, because Alpaca's stream sends only minute bars.

Buckets are aligned like Alpaca's own bars: minutes and hours on the New York clock (a 5Min bar
opens at :00, :05...; an hour bar at the top of the hour, so the session's first, labelled
09:00, holds 09:30-09:59), days on the New York session date. A bucket is emitted when its last
minute arrives, or when a minute of a later bucket shows that it is over (minutes with no trade
have no bar). Own code: no library here aggregates a live stream with this alignment.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.domain import Bar
from app.marketdata.base import parse_timeframe

logger = logging.getLogger(__name__)

NEW_YORK = ZoneInfo("America/New_York")
MINUTE = timedelta(minutes=1)


def bucket_start(time: datetime, interval: timedelta) -> datetime:
    """The open time of the `interval` bar that the minute starting at `time` belongs to."""
    local = time.astimezone(NEW_YORK)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval >= timedelta(days=1):
        return midnight.astimezone(time.tzinfo)
    step = int(interval.total_seconds())
    into_day = int((local - midnight).total_seconds())
    return (midnight + timedelta(seconds=into_day - into_day % step)).astimezone(time.tzinfo)


class BarAggregator:
    """Per symbol, folds minute bars into the bar of `timeframe` they belong to."""

    def __init__(self, timeframe: str) -> None:
        self.interval = parse_timeframe(timeframe)
        if self.interval < MINUTE:
            raise ValueError(f"timeframe {timeframe!r} is shorter than the stream's minute bars")
        self._open: dict[str, Bar] = {}

    def add(self, minute: Bar) -> list[Bar]:
        """The bars this minute closes (the symbol's previous one, its own, both or none)."""
        if self.interval == MINUTE:
            return [minute]
        start = bucket_start(minute.time, self.interval)
        closed: list[Bar] = []
        current = self._open.get(minute.symbol)
        if current is not None and current.time != start:
            if minute.time < current.time:
                logger.warning(
                    "minute bar %s %s is older than its bucket", minute.symbol, minute.time
                )
                return []
            closed.append(self._open.pop(minute.symbol))
            current = None
        merged = (
            replace(minute, time=start)
            if current is None
            else replace(
                current,
                high=max(current.high, minute.high),
                low=min(current.low, minute.low),
                close=minute.close,
                volume=current.volume + minute.volume,
            )
        )
        if self.interval < timedelta(days=1) and minute.time + MINUTE >= start + self.interval:
            closed.append(merged)  # its last minute: the bar is complete now
            self._open.pop(minute.symbol, None)
        else:
            self._open[minute.symbol] = merged
        return closed


async def aggregated(minutes: AsyncIterator[Bar], timeframe: str) -> AsyncIterator[Bar]:
    """`minutes` as closed bars of `timeframe`, never a mix of sizes."""
    folder = BarAggregator(timeframe)
    async for minute in minutes:
        for bar in folder.add(minute):
            yield bar
