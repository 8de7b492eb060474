"""An example strategy of your own: copy this file, change it, check it, deploy it.

    python -m app.cli strategy-check strategies/channel_breakout.py

A strategy is a class with a unique `name`, a `title`, a `Params` model (typed, bounded
parameters: the dashboard draws its form from them), a `warmup` (bars before the first signal
can appear) and one function, `signals`, from a window of bars to where to buy and sell.
`bars` holds numpy columns (open, high, low, close, volume, oldest first); bar t may only use
bars up to t. TA-Lib (`import talib`) has some 150 indicators; numpy does the rest.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import talib
from pydantic import Field, model_validator

from app.domain import Side
from app.strategies import (
    BarFrame,
    Signals,
    Strategy,
    StrategyParams,
    crossed_above,
    crossed_below,
)


class BreakoutParams(StrategyParams):
    period: int = Field(20, ge=2, le=500, description="Bars in the channel")
    exit_period: int = Field(10, ge=2, le=500, description="Bars in the exit channel")

    @model_validator(mode="after")
    def _exit_inside(self) -> BreakoutParams:
        if self.exit_period > self.period:
            raise ValueError(f"exit_period ({self.exit_period}) must not exceed period")
        return self


class ChannelBreakout(Strategy):
    """Buy when the close rises above the middle of the last `period` bars' range, sell when
    it falls below the middle of the last `exit_period` bars' range."""

    name = "channel_breakout"
    title = "Channel breakout"
    Params: ClassVar[type[StrategyParams]] = BreakoutParams
    params: BreakoutParams

    @property
    def warmup(self) -> int:
        return self.params.period + 1

    def signals(self, bars: BarFrame) -> Signals:
        entry = talib.MIDPRICE(bars.high, bars.low, self.params.period)
        exit_ = talib.MIDPRICE(bars.high, bars.low, self.params.exit_period)
        width = talib.MAX(bars.high, self.params.period) - talib.MIN(bars.low, self.params.period)
        with np.errstate(invalid="ignore", divide="ignore"):
            strength = np.abs(bars.close - entry) / width * 2  # 1 at the channel's edge
        return Signals(
            buy=crossed_above(bars.close, entry),
            sell=crossed_below(bars.close, exit_),
            strength=strength,
            values={"close": bars.close, "entry": entry, "exit": exit_},
        )

    def explain(self, side: Side, values: dict[str, float]) -> str:
        if side is Side.BUY:
            return f"close {values['close']:.4g} rose above the channel middle {values['entry']:.4g}"
        return f"close {values['close']:.4g} fell below the exit middle {values['exit']:.4g}"
