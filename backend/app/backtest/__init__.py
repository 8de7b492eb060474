"""Backtester: the live strategy and risk chain replayed over history, bar by bar."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from app.backtest import metrics
from app.backtest.config import BacktestConfig
from app.backtest.data import DataError, load_csv
from app.backtest.engine import Simulation
from app.backtest.result import BacktestResult
from app.backtest.trades import Execution, Trade
from app.strategies import BarFrame, Strategy, build


def run(
    strategy: Strategy,
    frames: Sequence[BarFrame],
    config: BacktestConfig | None = None,
    trade_from: datetime | None = None,
) -> BacktestResult:
    """Backtest a strategy over one or more symbols' bars (one shared cash account): the public
    entry point for parameter searches and walk-forward runs.

    `strategy` is a built one with its parameters (`app.strategies.build(name, params)`),
    `frames` one BarFrame per symbol (oldest bar first), `config` the simulated market and risk
    settings (BacktestConfig; default: the paper exchange's costs). Deterministic: the same
    arguments give the same BacktestResult (metrics, trades, equity curve, rejections).
    `trade_from`: the bars before it only warm the indicators up; their signals are not traded."""
    config = config or BacktestConfig()
    output = Simulation(strategy, frames, config, trade_from).run()
    return BacktestResult(
        strategy=strategy.name,
        params=strategy.params.model_dump(),
        symbols=[frame.symbol for frame in frames],
        config=config.model_dump(),
        metrics=metrics.compute(
            output.times, output.equity, output.invested, output.trades, config.cash
        )
        | {"halted_at": output.halted_at.isoformat() if output.halted_at else None},
        trades=output.trades,
        fills=output.fills,
        times=output.times,
        equity=output.equity,
        rejected=output.rejected,
    )


def run_csv(
    sources: Sequence[str | Path | bytes],
    strategy: str,
    params: dict[str, Any] | None = None,
    config: BacktestConfig | None = None,
    symbols: Sequence[str] | None = None,
) -> BacktestResult:
    """Backtest from CSV files or uploaded bytes, by strategy name: what the REST API calls.
    Raises DataError for a bad file, KeyError or pydantic.ValidationError for bad arguments."""
    names = list(symbols) if symbols else [None] * len(sources)
    frames = [load_csv(source, name) for source, name in zip(sources, names, strict=True)]
    return run(build(strategy, params), frames, config)


__all__ = [
    "BacktestConfig",
    "BacktestResult",
    "DataError",
    "Execution",
    "Trade",
    "load_csv",
    "run",
    "run_csv",
]
