"""The most recent bars per symbol as numpy columns, so strategies read them without copying,
and each symbol's average true range over its window, which the risk chain sizes positions by."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import talib

from app.domain import Bar
from app.strategies.base import RECURSIVE_HISTORY
from app.strategies.frame import BarFrame, to_datetime64

ATR_PERIOD = 14
ATR_HISTORY = RECURSIVE_HISTORY * 2 * ATR_PERIOD  # bars after which Wilder's seed is noise
_OPEN, _HIGH, _LOW, _CLOSE, _VOLUME = range(5)


class _Series:
    """A ring of one symbol's bars in a buffer twice the window, compacted when it fills up."""

    def __init__(self, symbol: str, size: int) -> None:
        self.symbol = symbol
        self.size = size
        self.times = np.empty(2 * size, dtype="datetime64[us]")
        self.values = np.empty((5, 2 * size), dtype=np.float64)
        self.start = 0
        self.end = 0
        self.last_time: datetime | None = None

    def append(self, bar: Bar) -> None:
        if self.end == self.times.size:
            keep = self.size - 1
            self.times[:keep] = self.times[self.end - keep : self.end]
            self.values[:, :keep] = self.values[:, self.end - keep : self.end]
            self.start, self.end = 0, keep
        self.times[self.end] = to_datetime64(bar.time)
        self.values[:, self.end] = (bar.open, bar.high, bar.low, bar.close, bar.volume)
        self.end += 1
        self.start = max(self.start, self.end - self.size)
        self.last_time = bar.time

    def frame(self, bars: int | None = None) -> BarFrame:
        """The newest `bars` bars (all of them by default) as read-only views."""
        start = self.start if bars is None else max(self.start, self.end - bars)
        rows = self.values[:, start : self.end]
        return BarFrame(
            self.symbol,
            self.times[start : self.end],
            rows[_OPEN],
            rows[_HIGH],
            rows[_LOW],
            rows[_CLOSE],
            rows[_VOLUME],
        )

    def __len__(self) -> int:
        return self.end - self.start


class RollingWindows:
    """One bounded, time-ordered window per symbol; late or repeated bars are ignored."""

    def __init__(self, size: int) -> None:
        if size < 2:
            raise ValueError(f"window size must be at least 2 bars, got {size}")
        self.size = size
        self._series: dict[str, _Series] = {}

    def add(self, bar: Bar) -> bool:
        """Append a closed bar; False when it is not newer than the last one (a replay or dupe)."""
        series = self._series.get(bar.symbol)
        if series is None:
            series = self._series[bar.symbol] = _Series(bar.symbol, self.size)
        if series.last_time is not None and bar.time <= series.last_time:
            return False
        series.append(bar)
        return True

    def extend(self, bars: list[Bar]) -> None:
        """Warm up from history."""
        for bar in bars:
            self.add(bar)

    def count(self, symbol: str) -> int:
        series = self._series.get(symbol)
        return len(series) if series else 0

    def frame(self, symbol: str, bars: int | None = None) -> BarFrame | None:
        """The symbol's newest bars, or None before the first one."""
        series = self._series.get(symbol)
        return series.frame(bars) if series and len(series) else None

    def atr(self, symbol: str) -> float | None:
        """Wilder's ATR (TA-Lib's) over the symbol's window, or None before ATR_PERIOD + 1 bars;
        the window must hold ATR_HISTORY bars for it to match the ATR over all bars taken."""
        series = self._series.get(symbol)
        if series is None or len(series) <= ATR_PERIOD:
            return None
        frame = series.frame()
        return float(talib.ATR(frame.high, frame.low, frame.close, ATR_PERIOD)[-1])

    def last_price(self, symbol: str) -> float | None:
        series = self._series.get(symbol)
        return float(series.values[_CLOSE, series.end - 1]) if series and len(series) else None
