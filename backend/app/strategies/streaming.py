"""One-value-at-a-time forms of the indicators the strategies use, with app.indicators' (TA-Lib's)
seeds and warm-up, for the live engine: constant work per bar instead of a whole window.
Each `push` takes the next value and returns the indicator at it (NaN while warming up). They
agree with app.indicators up to rounding; the strategy tests check that on random walks."""

from __future__ import annotations

import math
from collections import deque

NAN = math.nan


class Window:
    """The last n values."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.values: deque[float] = deque(maxlen=n)

    def push(self, x: float) -> bool:
        """Add x; True once the window is full."""
        self.values.append(x)
        return len(self.values) == self.n


class Sma:
    """Simple moving average of the last n values."""

    def __init__(self, n: int) -> None:
        self._window = Window(n)

    def push(self, x: float) -> float:
        if not self._window.push(x):
            return NAN
        return sum(self._window.values) / self._window.n


class Bollinger:
    """(upper, middle, lower): the SMA plus and minus nbdev population deviations."""

    _ROUNDING = 1e-13  # below this share of the squared mean the variance is rounding: zero

    def __init__(self, n: int, nbdev: float) -> None:
        self._window = Window(n)
        self._nbdev = nbdev

    def push(self, x: float) -> tuple[float, float, float]:
        if not self._window.push(x):
            return NAN, NAN, NAN
        n = self._window.n
        mean = sum(self._window.values) / n
        variance = sum(v * v for v in self._window.values) / n - mean * mean
        if variance < mean * mean * self._ROUNDING:
            variance = 0.0
        band = math.sqrt(variance) * self._nbdev
        return mean + band, mean, mean - band


class Ema:
    """Exponential average, k = 2 / (n + 1), seeded at value `seed_at` with the mean of the n
    values ending there (seed_at = n - 1 for a plain EMA; MACD starts both EMAs later)."""

    def __init__(self, n: int, seed_at: int | None = None) -> None:
        self._window = Window(n)
        self._k = 2.0 / (n + 1)
        self._seed_at = n - 1 if seed_at is None else seed_at
        self._seen = 0
        self._value = NAN

    def push(self, x: float) -> float:
        self._seen += 1
        if self._seen <= self._seed_at:
            self._window.push(x)
            return NAN
        if self._seen == self._seed_at + 1:
            self._window.push(x)
            self._value = sum(self._window.values) / self._window.n
        else:
            self._value = (1.0 - self._k) * self._value + x * self._k
        return self._value


class Macd:
    """(line, signal, histogram): fast EMA - slow EMA, both starting at the slow EMA's first
    value, and the signal EMA of that line; the line shows once the signal line exists."""

    def __init__(self, fast: int, slow: int, signal: int) -> None:
        fast, slow = min(fast, slow), max(fast, slow)
        self._fast, self._slow = Ema(fast, seed_at=slow - 1), Ema(slow)
        self._signal = Ema(signal)

    def push(self, x: float) -> tuple[float, float, float]:
        fast, slow = self._fast.push(x), self._slow.push(x)
        if math.isnan(slow):
            return NAN, NAN, NAN
        line = fast - slow
        trigger = self._signal.push(line)
        if math.isnan(trigger):
            return NAN, NAN, NAN
        return line, trigger, line - trigger


class Rsi:
    """Relative strength index with Wilder's smoothing: mean gain and loss of the first n
    changes, then (previous * (n - 1) + new) / n."""

    def __init__(self, n: int) -> None:
        self._n = n
        self._previous = NAN
        self._gains: list[float] = []
        self._losses: list[float] = []
        self._gain = self._loss = NAN

    def push(self, x: float) -> float:
        change, self._previous = x - self._previous, x
        if math.isnan(change):
            return NAN
        gain, loss = max(change, 0.0), max(-change, 0.0)
        n = self._n
        if len(self._gains) < n:
            self._gains.append(gain)
            self._losses.append(loss)
            if len(self._gains) < n:
                return NAN
            self._gain, self._loss = sum(self._gains) / n, sum(self._losses) / n
        else:
            keep = (n - 1) / n
            self._gain = self._gain * keep + gain / n
            self._loss = self._loss * keep + loss / n
        total = self._gain + self._loss
        return self._gain / total * 100.0 if total > 0 else 0.0


class Atr:
    """Average true range with Wilder's smoothing: the mean of the first n true ranges (from
    the second bar on), then (previous * (n - 1) + new) / n."""

    def __init__(self, n: int) -> None:
        self._n = n
        self._close = NAN
        self._ranges: list[float] = []
        self._value = NAN

    def push(self, high: float, low: float, close: float) -> float:
        previous, self._close = self._close, close
        if math.isnan(previous):
            return NAN
        true_range = max(high, previous) - min(low, previous)
        n = self._n
        if len(self._ranges) < n:
            self._ranges.append(true_range)
            if len(self._ranges) < n:
                return NAN
            self._value = sum(self._ranges) / n
        else:
            self._value = self._value * ((n - 1) / n) + true_range / n
        return self._value
