"""Trading strategies: bars in, signals out, identical in the live engine and the backtester.
The built-ins live here; the user's own files are added by `load_user_strategies`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from app.strategies.base import (
    Signals,
    SignalSeries,
    Strategy,
    StrategyParams,
    crossed_above,
    crossed_below,
)
from app.strategies.files import FileProblem, load_directory
from app.strategies.frame import BarFrame
from app.strategies.reversion import BollingerReversion, RsiReversion
from app.strategies.trend import EmaCrossover, MacdTrend, SmaCrossover

logger = logging.getLogger(__name__)

BUILTIN: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (SmaCrossover, EmaCrossover, RsiReversion, MacdTrend, BollingerReversion)
}
STRATEGIES: dict[str, type[Strategy]] = dict(BUILTIN)  # the built-ins and the user's files
PROBLEMS: list[FileProblem] = []  # why some of the user's files or classes were left out


def load_user_strategies(directory: Path | None) -> list[FileProblem]:
    """Replace the user's strategies with those of `directory` (None: built-ins only); each
    broken file or class is logged with file, line and reason, and left out."""
    loaded = load_directory(directory, BUILTIN) if directory is not None else None
    STRATEGIES.clear()
    STRATEGIES.update(BUILTIN)
    PROBLEMS.clear()
    if loaded is not None:
        STRATEGIES.update(loaded.strategies)
        PROBLEMS.extend(loaded.problems)
        for name in loaded.strategies:
            logger.info("loaded strategy %s from %s", name, directory)
        for problem in loaded.problems:
            logger.error("strategy file left out: %s", problem)
    return list(PROBLEMS)


def build(name: str, params: dict[str, Any] | None = None) -> Strategy:
    """A strategy by registry name with validated parameters (KeyError lists the known names)."""
    try:
        cls = STRATEGIES[name]
    except KeyError:
        known = ", ".join(sorted(STRATEGIES))
        raise KeyError(f"unknown strategy {name!r}; known strategies: {known}") from None
    return cls.from_params(params or {})


def schemas() -> dict[str, dict[str, Any]]:
    """Every strategy's title and parameter JSON schema, keyed by name (for the REST API)."""
    return {
        name: {"title": cls.title, "params": cls.params_schema()}
        for name, cls in STRATEGIES.items()
    }


__all__ = [
    "BUILTIN",
    "PROBLEMS",
    "STRATEGIES",
    "BarFrame",
    "FileProblem",
    "SignalSeries",
    "Signals",
    "Strategy",
    "StrategyParams",
    "build",
    "crossed_above",
    "crossed_below",
    "load_user_strategies",
    "schemas",
]
