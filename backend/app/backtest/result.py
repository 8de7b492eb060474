"""BacktestResult: metrics, trades and the equity curve, as the CLI prints and the API returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.backtest.engine import Rejected
from app.backtest.trades import Execution, Trade


@dataclass(frozen=True, slots=True)
class BacktestResult:
    strategy: str
    params: dict[str, Any]
    symbols: list[str]
    config: dict[str, Any]
    metrics: dict[str, Any]
    trades: list[Trade]
    fills: list[Execution]
    times: NDArray[np.datetime64]
    equity: NDArray[np.float64]
    rejected: list[Rejected]

    def drawdown(self) -> NDArray[np.float64]:
        """Fraction below the running peak at each bar."""
        result: NDArray[np.float64] = 1 - self.equity / np.maximum.accumulate(self.equity)
        return result

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: one object with metrics, trades and equity_curve."""
        stamps = np.datetime_as_string(self.times, unit="s", timezone="UTC")
        return {
            "strategy": self.strategy,
            "params": self.params,
            "symbols": self.symbols,
            "config": self.config,
            "metrics": self.metrics,
            "trades": [trade.to_dict() for trade in self.trades],
            "fills": [fill.to_dict() for fill in self.fills],
            "equity_curve": [
                {"time": str(stamp), "equity": float(value)}
                for stamp, value in zip(stamps, self.equity, strict=True)
            ],
            "rejected_signals": [
                {"time": r.time, "symbol": r.symbol, "side": r.side, "reason": r.reason}
                for r in self.rejected
            ],
        }
