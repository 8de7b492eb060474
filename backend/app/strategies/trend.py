"""Trend-following strategies: moving-average crossovers and MACD."""

from __future__ import annotations

from abc import abstractmethod
from typing import ClassVar

import numpy as np
from pydantic import Field, model_validator

from app import indicators
from app.domain import Side
from app.strategies import streaming
from app.strategies.base import (
    Lines,
    Stepper,
    Strategy,
    StrategyParams,
    Verdict,
    crossed_above,
)
from app.strategies.frame import BarFrame, FloatArray

_FULL_STRENGTH_GAP = 0.01  # averages 1% apart make a signal of strength 1
RECURSIVE_HISTORY = 10  # periods after which an EMA's seed weighs under 1e-8 (k >= 2/(n+1))


class CrossoverParams(StrategyParams):
    fast: int = Field(10, ge=1, le=500, description="Bars in the fast moving average")
    slow: int = Field(20, ge=2, le=1000, description="Bars in the slow moving average")

    @model_validator(mode="after")
    def _fast_below_slow(self) -> CrossoverParams:
        if self.fast >= self.slow:
            raise ValueError(f"fast ({self.fast}) must be smaller than slow ({self.slow})")
        return self


class _Crossover(Strategy):
    """Buy when the fast average crosses above the slow one, sell when it crosses below."""

    Params: ClassVar[type[StrategyParams]] = CrossoverParams
    params: CrossoverParams
    average_name: ClassVar[str]

    @property
    def warmup(self) -> int:
        return self.params.slow + 1

    @abstractmethod
    def average(self, close: FloatArray, period: int) -> FloatArray:
        """The moving average this crossover compares."""

    @abstractmethod
    def running_average(self, period: int) -> streaming.Sma | streaming.Ema:
        """The same average, one value at a time."""

    def lines(self, frame: BarFrame) -> Lines:
        fast = self.average(frame.close, self.params.fast)
        slow = self.average(frame.close, self.params.slow)
        return {"fast": fast, "slow": slow, "close": frame.close}

    def stepper(self) -> Stepper:
        fast = self.running_average(self.params.fast)
        slow = self.running_average(self.params.slow)
        return lambda close: {"fast": fast.push(close), "slow": slow.push(close), "close": close}

    def rule(self, before: Lines, after: Lines, close: FloatArray) -> Verdict:
        fast, slow = after["fast"], after["slow"]
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(fast - slow) / np.abs(slow) / _FULL_STRENGTH_GAP
        return (
            crossed_above(before["fast"], before["slow"], fast, slow),
            crossed_above(before["slow"], before["fast"], slow, fast),
            strength,
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        direction = "above" if side is Side.BUY else "below"
        kind = self.average_name
        return (
            f"fast {kind} {self.params.fast} ({values['fast']:.4g}) crossed {direction} "
            f"slow {kind} {self.params.slow} ({values['slow']:.4g})"
        )


class SmaCrossover(_Crossover):
    name = "sma_crossover"
    title = "SMA crossover"
    average_name = "SMA"

    def average(self, close: FloatArray, period: int) -> FloatArray:
        return indicators.sma(close, period)

    def running_average(self, period: int) -> streaming.Sma:
        return streaming.Sma(period)


class EmaCrossover(_Crossover):
    name = "ema_crossover"
    title = "EMA crossover"
    average_name = "EMA"

    @property
    def history(self) -> int:
        return RECURSIVE_HISTORY * self.params.slow

    def average(self, close: FloatArray, period: int) -> FloatArray:
        return indicators.ema(close, period)

    def running_average(self, period: int) -> streaming.Ema:
        return streaming.Ema(period)


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

    def lines(self, frame: BarFrame) -> Lines:
        line, signal, hist = indicators.macd(
            frame.close, self.params.fast, self.params.slow, self.params.signal
        )
        return {"macd": line, "signal": signal, "histogram": hist}

    def stepper(self) -> Stepper:
        macd = streaming.Macd(self.params.fast, self.params.slow, self.params.signal)

        def step(close: float) -> dict[str, float]:
            line, signal, hist = macd.push(close)
            return {"macd": line, "signal": signal, "histogram": hist}

        return step

    def rule(self, before: Lines, after: Lines, close: FloatArray) -> Verdict:
        line, signal = after["macd"], after["signal"]
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(after["histogram"]) / close / (_FULL_STRENGTH_GAP / 10)
        return (
            crossed_above(before["macd"], before["signal"], line, signal),
            crossed_above(before["signal"], before["macd"], signal, line),
            strength,
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        direction = "above" if side is Side.BUY else "below"
        return (
            f"MACD ({values['macd']:.4g}) crossed {direction} its signal line "
            f"({values['signal']:.4g})"
        )
