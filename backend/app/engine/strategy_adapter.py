"""Strategies from the registry, as the engine runs them on its rolling windows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from app.domain import Signal
from app.strategies import BarFrame, build

Evaluator = Callable[[BarFrame], Signal | None]

# What a fresh install trades on each seeded symbol: (instance name, strategy, params).
DEFAULT_INSTANCES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("fast SMA crossover", "sma_crossover", {"fast": 5, "slow": 20}),
)


def build_evaluator(strategy: str, params: dict[str, Any]) -> tuple[int, Evaluator]:
    """The bars the strategy reads and its newest-bar signal; KeyError/ValueError if invalid."""
    built = build(strategy, params)

    def evaluate(frame: BarFrame) -> Signal | None:
        return built.latest(frame)

    return built.history, evaluate
