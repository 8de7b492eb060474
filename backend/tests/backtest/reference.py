"""backtesting.py (the reference) running the SMA crossover under our conventions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from backtesting import Backtest
from backtesting import Strategy as ReferenceStrategy
from backtesting.lib import crossover

from app.strategies import BarFrame


def random_frame(
    size: int, seed: int, symbol: str = "TEST", volatility: float = 0.015, drift: float = 0.0002
) -> BarFrame:
    """A daily random walk with realistic bars (open near the previous close)."""
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(drift, volatility, size)))
    opens = np.concatenate(([100.0], close[:-1])) * np.exp(rng.normal(0, 0.004, size))
    high = np.maximum(opens, close) * (1 + rng.random(size) * 0.01)
    low = np.minimum(opens, close) * (1 - rng.random(size) * 0.01)
    start = np.datetime64("2010-01-04", "D")
    days = np.busday_offset(start, np.arange(size), roll="forward").astype("datetime64[us]")
    volume = rng.integers(10_000, 100_000, size).astype(np.float64)
    return BarFrame(symbol, days, opens, high, low, close, volume)


def reference_run(
    frame: BarFrame, fast: int, slow: int, allow_short: bool, cash: float, commission: float
) -> tuple[pd.DataFrame, float]:
    """Closed trades and final equity from backtesting.py's SmaCross."""

    class SmaCross(ReferenceStrategy):
        def init(self) -> None:
            close = pd.Series(self.data.Close)
            self.fast = self.I(lambda: close.rolling(fast).mean().to_numpy())
            self.slow = self.I(lambda: close.rolling(slow).mean().to_numpy())

        def next(self) -> None:
            if crossover(self.fast, self.slow):
                self.position.close()
                self.buy()
            elif crossover(self.slow, self.fast):
                self.position.close()
                if allow_short:
                    self.sell()

    data = pd.DataFrame(
        {
            "Open": frame.open,
            "High": frame.high,
            "Low": frame.low,
            "Close": frame.close,
            "Volume": frame.volume,
        },
        index=pd.DatetimeIndex(frame.time),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        backtest = Backtest(data, SmaCross, cash=cash, commission=commission)
        stats = backtest.run()
    return stats["_trades"], float(stats["Equity Final [$]"])
