"""Trend-following strategies: moving-average crossovers and MACD, on TA-Lib."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import talib
from pydantic import Field, model_validator

from app.domain import Side
from app.strategies.base import (
    RECURSIVE_HISTORY,
    Signals,
    Strategy,
    StrategyParams,
    crossed_above,
    crossed_below,
)
from app.strategies.frame import BarFrame, FloatArray

_FULL_STRENGTH_GAP = 0.01  # averages 1% apart make a signal of strength 1


class CrossoverParams(StrategyParams):
    fast: int = Field(10, ge=1, le=500, description="Bars in the fast moving average")
    slow: int = Field(20, ge=2, le=1000, description="Bars in the slow moving average")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> CrossoverParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class SmaCrossover(Strategy):
    """Buy when the fast average crosses above the slow one, sell when it crosses below."""

    name = "sma_crossover"
    title = "SMA crossover"
    Params: ClassVar[type[StrategyParams]] = CrossoverParams
    params: CrossoverParams
    kind: ClassVar[str] = "SMA"

    @property
    def warmup(self) -> int:
        return self.params.slow + 1

    def average(self, close: FloatArray, period: int) -> FloatArray:
        """The moving average this crossover compares (of one bar: the close itself)."""
        return close if period == 1 else talib.SMA(close, period)

    def signals(self, bars: BarFrame) -> Signals:
        fast = self.average(bars.close, self.params.fast)
        slow = self.average(bars.close, self.params.slow)
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(fast - slow) / np.abs(slow) / _FULL_STRENGTH_GAP
        return Signals(
            buy=crossed_above(fast, slow),
            sell=crossed_below(fast, slow),
            strength=strength,
            values={"fast": fast, "slow": slow, "close": bars.close},
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        direction = "above" if side is Side.BUY else "below"
        return (
            f"fast {self.kind} {self.params.fast} ({values['fast']:.4g}) crossed {direction} "
            f"slow {self.kind} {self.params.slow} ({values['slow']:.4g})"
        )


class EmaCrossover(SmaCrossover):
    name = "ema_crossover"
    title = "EMA crossover"
    kind = "EMA"

    @property
    def history(self) -> int:
        return RECURSIVE_HISTORY * self.params.slow

    def average(self, close: FloatArray, period: int) -> FloatArray:
        return close if period == 1 else talib.EMA(close, period)


class MacdParams(StrategyParams):
    fast: int = Field(12, ge=2, le=500, description="Bars in the fast EMA")
    slow: int = Field(26, ge=3, le=1000, description="Bars in the slow EMA")
    signal: int = Field(9, ge=1, le=500, description="Bars in the signal-line EMA")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> MacdParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class MacdTrend(Strategy):
    """Buy when the MACD line crosses above its signal line, sell when it crosses below."""

    name = "macd_trend"
    title = "MACD trend"
    Params: ClassVar[type[StrategyParams]] = MacdParams
    params: MacdParams

    @property
    def warmup(self) -> int:
        return self.params.slow + self.params.signal - 1

    @property
    def history(self) -> int:
        return RECURSIVE_HISTORY * (self.params.slow + self.params.signal)

    def signals(self, bars: BarFrame) -> Signals:
        p = self.params
        line, signal, hist = talib.MACD(bars.close, p.fast, p.slow, p.signal)
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(hist) / bars.close / (_FULL_STRENGTH_GAP / 10)
        return Signals(
            buy=crossed_above(line, signal),
            sell=crossed_below(line, signal),
            strength=strength,
            values={"macd": line, "signal": signal, "histogram": hist},
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        direction = "above" if side is Side.BUY else "below"
        return (
            f"MACD ({values['macd']:.4g}) crossed {direction} its signal line "
            f"({values['signal']:.4g})"
        )
