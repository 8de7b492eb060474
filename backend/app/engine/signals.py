"""Strategies on a batch of closed bars: each instance's lines advance with every new bar of its
symbol, then one vectorised rule per strategy and parameters decides for all rows at once."""

from __future__ import annotations

from app.domain import Signal
from app.engine.instances import LiveInstance
from app.strategies import BarFrame, LiveBar, Strategy


class SignalBatch:
    """The rows (instance, newest lines) of one batch, in bar-then-instance order."""

    def __init__(self) -> None:
        self._groups: dict[Strategy, list[tuple[int, LiveInstance, LiveBar]]] = {}
        self._rows = 0

    def advance(self, frame: BarFrame, instances: list[LiveInstance]) -> None:
        """Move the instances' lines to the newest bar of their symbol's window."""
        for instance in instances:
            live = instance.tracker.update(frame)
            if live is not None:  # one group per shared Strategy: same strategy and parameters
                group = self._groups.setdefault(instance.tracker.strategy, [])
                group.append((self._rows, instance, live))
            self._rows += 1

    def signals(self) -> list[tuple[LiveInstance, Signal]]:
        """Every row's signal, in row order (the order the risk chain sees them in)."""
        found: list[tuple[int, LiveInstance, Signal]] = []
        for strategy, rows in self._groups.items():
            signals = strategy.latest_signals([live for _, _, live in rows])
            for (row, instance, _), signal in zip(rows, signals, strict=True):
                if signal is not None:
                    found.append((row, instance, signal))
        found.sort(key=lambda item: item[0])
        return [(instance, signal) for _, instance, signal in found]
