"""Trading strategies: bars in, signals out, identical in the live engine and the backtester."""

from typing import Any

from app.strategies.base import LiveBar, SignalSeries, Strategy, StrategyParams
from app.strategies.frame import BarFrame
from app.strategies.reversion import BollingerReversion, RsiReversion
from app.strategies.trend import EmaCrossover, MacdTrend, SmaCrossover

STRATEGIES: dict[str, type[Strategy]] = {
    cls.name: cls
    for cls in (SmaCrossover, EmaCrossover, RsiReversion, MacdTrend, BollingerReversion)
}


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
    "STRATEGIES",
    "BarFrame",
    "LiveBar",
    "SignalSeries",
    "Strategy",
    "StrategyParams",
    "build",
    "schemas",
]
