"""Performance figures from an equity curve and a trade list."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.backtest.trades import Trade

_YEAR_SECONDS = 365.25 * 24 * 3600


def compute(
    times: NDArray[np.datetime64],
    equity: NDArray[np.float64],
    invested: NDArray[np.bool_],
    trades: Sequence[Trade],
    cash: float,
) -> dict[str, Any]:
    """Return, risk and trade statistics; annualised by the bars per year the data shows."""
    seconds = float((times[-1] - times[0]) / np.timedelta64(1, "s")) if times.size > 1 else 0.0
    years = seconds / _YEAR_SECONDS
    final = float(equity[-1])
    returns = np.diff(equity) / equity[:-1] if equity.size > 1 else np.empty(0)
    bars_per_year = (equity.size - 1) / years if years > 0 else 0.0
    drawdown, bars_down, time_down = _drawdown(times, equity)
    closed = [trade for trade in trades if trade.closed]
    pnls = [trade.pnl for trade in closed]  # a property: computed once per trade
    gains = sum(pnl for pnl in pnls if pnl > 0)
    losses = -sum(pnl for pnl in pnls if pnl < 0)
    return {
        "start": str(times[0].astype("datetime64[s]")),
        "end": str(times[-1].astype("datetime64[s]")),
        "bars": int(equity.size),
        "initial_cash": cash,
        "final_equity": final,
        "total_return": final / cash - 1,
        "cagr": _cagr(final / cash, years),
        "volatility": _finite(float(np.std(returns, ddof=1)) * math.sqrt(bars_per_year))
        if returns.size > 1
        else None,
        "sharpe": _ratio(
            returns, float(np.std(returns, ddof=1)) if returns.size > 1 else 0.0, bars_per_year
        ),
        "sortino": _ratio(
            returns,
            float(np.sqrt(np.mean(np.minimum(returns, 0) ** 2))) if returns.size else 0.0,
            bars_per_year,
        ),
        "max_drawdown": drawdown,
        "max_drawdown_bars": bars_down,
        "max_drawdown_duration": time_down,
        "trades": len(trades),
        "closed_trades": len(closed),
        "win_rate": sum(pnl > 0 for pnl in pnls) / len(closed) if closed else None,
        "profit_factor": gains / losses if losses > 0 else None,
        "exposure_time": float(invested.mean()) if invested.size else 0.0,
    }


def _ratio(returns: NDArray[np.float64], spread: float, bars_per_year: float) -> float | None:
    if returns.size < 2 or spread <= 0 or bars_per_year <= 0:
        return None
    return _finite(float(np.mean(returns)) / spread * math.sqrt(bars_per_year))


def _drawdown(times: NDArray[np.datetime64], equity: NDArray[np.float64]) -> tuple[float, int, str]:
    """Deepest fall from a running peak, and the longest time spent below a peak."""
    peaks = np.maximum.accumulate(equity)
    depth = 1 - equity / peaks
    below = depth > 0
    longest_bars, longest_time = 0, np.timedelta64(0, "s")
    if below.any():
        edges = np.diff(np.concatenate(([0], below.view(np.int8), [0])))
        starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
        lengths = ends - starts
        # time from the peak (bar before the fall) to recovery, or to the last bar
        spans = times[np.minimum(ends, times.size - 1)] - times[starts - 1]
        longest_bars = int(lengths.max())
        longest_time = spans.max()
    return float(depth.max()), longest_bars, str(longest_time.astype("timedelta64[s]").item())


def _cagr(growth: float, years: float) -> float | None:
    """Annual growth rate; None when undefined, or beyond a float (a gain over minutes)."""
    if years <= 0 or growth <= 0:
        return None
    try:
        return _finite(growth ** (1 / years) - 1)
    except OverflowError:
        return None


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


_PERCENT = {"total_return", "cagr", "volatility", "max_drawdown", "win_rate", "exposure_time"}


def format_metric(name: str, value: object) -> str:
    """A metric as people read it: fractions as percentages, money with separators."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2%}" if name in _PERCENT else f"{value:,.4f}"
    return str(value)
