"""The one interface every bar source speaks, so the engine runs the same on Alpaca or a replay.

Contract:

- `history(symbol, timeframe, start, end)` returns closed bars with `start <= time < end`,
  oldest first, for warming up indicators. `timeframe` is Alpaca's notation: "1Min", "5Min",
  "15Min", "1Hour", "1Day" (see `parse_timeframe`).
- `stream(symbols)` yields each bar once, after it closed, in time order per symbol. It
  reconnects by itself after a dropped connection and ends only when the source is exhausted
  (a finished replay) or closed.
- `resubscribe()` renews a live connection that has gone quiet (the stale-data watch calls
  it); a source that reconnects fills the bars it missed, so none is lost or repeated.
- `source` says where the bars come from ("alpaca", "simulated", "replay"), so a UI can say
  plainly when prices are not real.
"""

from __future__ import annotations

import abc
import re
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta

from app.domain import Bar

_UNITS = {"Min": timedelta(minutes=1), "Hour": timedelta(hours=1), "Day": timedelta(days=1)}
_TIMEFRAME = re.compile(r"^([1-9][0-9]*)(Min|Hour|Day)$")


def parse_timeframe(text: str) -> timedelta:
    """Length of one bar for an Alpaca-style timeframe such as "5Min" or "1Day"."""
    match = _TIMEFRAME.match(text)
    if match is None:
        raise ValueError(
            f"timeframe {text!r} is not understood: use <n>Min, <n>Hour or <n>Day, e.g. '1Min'"
        )
    return int(match.group(1)) * _UNITS[match.group(2)]


class MarketDataError(Exception):
    """A bar source failed for good (bad credentials, no subscription for the feed)."""


class MarketData(abc.ABC):
    """Historical and live closed bars for a set of symbols."""

    source: str

    @abc.abstractmethod
    async def history(
        self, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> list[Bar]:
        """Closed bars in [start, end), oldest first, to warm up indicators before trading."""

    @abc.abstractmethod
    def stream(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        """Closed bars of `symbols` as they complete; survives dropped connections."""

    async def resubscribe(self) -> None:  # noqa: B027 - a deliberate no-op default
        """Renew the live connection; a source without one has nothing to renew."""

    async def close(self) -> None:  # noqa: B027 - a deliberate no-op default
        """Release connections and background tasks."""
