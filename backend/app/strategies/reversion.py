"""Mean-reversion strategies: RSI extremes and Bollinger bands, on TA-Lib."""

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
from app.strategies.frame import BarFrame


class RsiParams(StrategyParams):
    period: int = Field(14, ge=2, le=500, description="Bars in the RSI")
    oversold: float = Field(30.0, ge=1, le=50, description="Buy when RSI climbs back above this")
    overbought: float = Field(70.0, ge=50, le=99, description="Sell when RSI falls back below this")

    @model_validator(mode="after")
    def _ordered(self) -> RsiParams:
        if self.oversold >= self.overbought:
            raise ValueError(
                f"oversold ({self.oversold}) must be below overbought ({self.overbought})"
            )
        return self


class RsiReversion(Strategy):
    """Buy when RSI leaves the oversold zone upward, sell when it leaves overbought downward."""

    name = "rsi_reversion"
    title = "RSI mean reversion"
    Params: ClassVar[type[StrategyParams]] = RsiParams
    params: RsiParams

    @property
    def warmup(self) -> int:
        return self.params.period + 2

    @property
    def history(self) -> int:
        return RECURSIVE_HISTORY * 2 * self.params.period  # Wilder's k = 1/n decays slower

    def signals(self, bars: BarFrame) -> Signals:
        rsi = talib.RSI(bars.close, self.params.period)
        return Signals(
            buy=crossed_above(rsi, self.params.oversold),
            sell=crossed_below(rsi, self.params.overbought),
            strength=np.abs(rsi - 50.0) / 50.0,
            values={"rsi": rsi},
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        rsi = f"RSI {self.params.period} ({values['rsi']:.1f})"
        if side is Side.BUY:
            return f"{rsi} rose back above {self.params.oversold:g}"
        return f"{rsi} fell back below {self.params.overbought:g}"


class BollingerParams(StrategyParams):
    period: int = Field(20, ge=2, le=500, description="Bars in the middle band's SMA")
    nbdev: float = Field(2.0, gt=0, le=5, description="Band width in standard deviations")


class BollingerReversion(Strategy):
    """Buy when the close drops below the lower band, sell when it rises above the upper band."""

    name = "bollinger_reversion"
    title = "Bollinger band reversion"
    Params: ClassVar[type[StrategyParams]] = BollingerParams
    params: BollingerParams

    @property
    def warmup(self) -> int:
        return self.params.period + 1

    def signals(self, bars: BarFrame) -> Signals:
        p, close = self.params, bars.close
        upper, middle, lower = talib.BBANDS(close, p.period, p.nbdev, p.nbdev)
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(close - middle) / (upper - middle) / 2
        return Signals(
            buy=crossed_below(close, lower),
            sell=crossed_above(close, upper),
            strength=strength,
            values={"close": close, "upper": upper, "middle": middle, "lower": lower},
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        if side is Side.BUY:
            return f"close {values['close']:.4g} fell below the lower band ({values['lower']:.4g})"
        return f"close {values['close']:.4g} rose above the upper band ({values['upper']:.4g})"
