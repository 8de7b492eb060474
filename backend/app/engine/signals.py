"""Strategies on a batch of closed bars: each instance's strategy is evaluated on the newest
`history` bars of its symbol's window, once per strategy and parameters however many instances
share them. A strategy that raises is logged and skipped; the others still decide."""

from __future__ import annotations

import logging

from app.domain import Signal
from app.engine.instances import LiveInstance
from app.strategies import BarFrame, Strategy

logger = logging.getLogger(__name__)


class SignalBatch:
    """The signals of one batch, in bar-then-instance order (the order risk sees them in)."""

    def __init__(self) -> None:
        self._found: list[tuple[LiveInstance, Signal]] = []

    def advance(self, frame: BarFrame, instances: list[LiveInstance]) -> None:
        """Evaluate the instances of the symbol whose window `frame` is, at its newest bar."""
        decided: dict[int, Signal | None] = {}
        for instance in instances:
            key = id(instance.rule)
            if key not in decided:
                decided[key] = _latest(instance.rule, frame)
            signal = decided[key]
            if signal is not None:
                self._found.append((instance, signal))

    def signals(self) -> list[tuple[LiveInstance, Signal]]:
        return list(self._found)


def _latest(strategy: Strategy, frame: BarFrame) -> Signal | None:
    try:
        return strategy.latest(frame.tail(strategy.history))
    except Exception:
        logger.exception(
            "strategy %s failed on %s; no signal this bar", strategy.name, frame.symbol
        )
        return None
