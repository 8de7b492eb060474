"""A strategy's lines on one symbol, kept up to date bar by bar for the live engine."""

from __future__ import annotations

import math

import numpy as np

from app.strategies.base import LiveBar, Stepper, Strategy
from app.strategies.frame import BarFrame


class LineTracker:
    """Advances the lines by one bar when the window grew by exactly that bar; otherwise (first
    use, restart, a missed bar) rebuilds them from the strategy's `history` bars of the window."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self._step: Stepper | None = None
        self._last_time: np.datetime64 | None = None
        self._after: dict[str, float] = {}

    def update(self, frame: BarFrame) -> LiveBar | None:
        """The newest bar of `frame` with the lines there and one bar before (None if empty)."""
        if not len(frame):
            return None
        close = float(frame.close[-1])
        if self._step is not None and len(frame) > 1 and frame.time[-2] == self._last_time:
            before, self._after = self._after, self._step(close)
        else:
            before = self._rebuild(frame)
        self._last_time = frame.time[-1]
        return LiveBar(frame.symbol, self._last_time, close, before, self._after)

    def _rebuild(self, frame: BarFrame) -> dict[str, float]:
        """Replay the window's last `history` closes; returns the lines one bar before the end."""
        self._step = step = self.strategy.stepper()
        lines = [step(close) for close in frame.close[-self.strategy.history :].tolist()]
        self._after = lines[-1]
        return lines[-2] if len(lines) > 1 else dict.fromkeys(self._after, math.nan)
