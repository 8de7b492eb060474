"""The Strategy interface: typed, bounded parameters, a warm-up length, indicator lines and one
elementwise rule from lines to signals. The rule serves the backtester (every bar of a frame at
once) and the live engine (the newest bar of many symbols at once) alike."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import ConfigDict

from app.domain import InputModel, Side, Signal
from app.strategies.frame import BarFrame, FloatArray, to_datetime

BUY, SELL, NONE = np.int8(1), np.int8(-1), np.int8(0)

Lines = dict[str, FloatArray]  # indicator columns by name, as a signal reports them
Mask = NDArray[np.bool_]
Verdict = tuple[Mask, Mask, FloatArray]  # buy, sell, strength
Stepper = Callable[[float], dict[str, float]]  # a close in, the lines at that bar out


class StrategyParams(InputModel):
    """Base of every strategy's parameter model: unknown names are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True, slots=True)
class SignalSeries:
    """A strategy's verdict on every bar of a frame: side (+1 buy, -1 sell, 0 none) and strength,
    plus the indicator columns that explain it."""

    strategy: Strategy
    frame: BarFrame
    side: NDArray[np.int8]
    strength: FloatArray
    values: dict[str, FloatArray]

    def at(self, index: int) -> Signal | None:
        """The signal produced by the close of bar index (negative counts from the end), if any."""
        side = int(self.side[index])
        if side == 0:
            return None
        values = {name: float(column[index]) for name, column in self.values.items()}
        return self.strategy.signal(
            self.frame.symbol, self.frame.time_at(index), side, float(self.strength[index]), values
        )

    def latest(self) -> Signal | None:
        """The signal of the newest bar, which is what the live engine acts on."""
        return self.at(-1) if len(self.frame) else None

    def indices(self) -> NDArray[np.intp]:
        """Bars that carry a signal, oldest first."""
        return np.flatnonzero(self.side)


@dataclass(frozen=True, slots=True)
class LiveBar:
    """One symbol's newest bar as the live engine sees it: the lines there and one bar before."""

    symbol: str
    time: np.datetime64
    close: float
    before: dict[str, float]
    after: dict[str, float]


class Strategy(ABC):
    """A trading rule. Subclasses set name and a Params model, and implement warmup, lines,
    stepper (the same lines one bar at a time), rule and explain."""

    name: ClassVar[str]
    title: ClassVar[str]
    Params: ClassVar[type[StrategyParams]]

    def __init__(self, params: StrategyParams | None = None) -> None:
        self.params = params if params is not None else self.Params()
        if not isinstance(self.params, self.Params):
            raise TypeError(f"{self.name} takes {self.Params.__name__}, got {type(params)}")

    @classmethod
    def from_params(cls, values: dict[str, Any]) -> Strategy:
        """Build from plain values (API body, CLI --param); pydantic validates bounds."""
        return cls(cls.Params.model_validate(values))

    @classmethod
    def params_schema(cls) -> dict[str, Any]:
        """JSON schema of the parameters, for the API and dashboard forms."""
        return cls.Params.model_json_schema()

    @property
    @abstractmethod
    def warmup(self) -> int:
        """Bars needed before the first signal can appear."""

    @property
    def history(self) -> int:
        """Bars a rolling window should hold: more than warmup where an indicator is recursive
        (EMA, Wilder), so its value no longer depends on where the window starts."""
        return self.warmup

    @abstractmethod
    def lines(self, frame: BarFrame) -> Lines:
        """Indicator columns for every bar (NaN while warming up); bar t uses bars up to t."""

    @abstractmethod
    def stepper(self) -> Stepper:
        """A fresh incremental form of `lines`: fed every close in turn, it returns the lines at
        that bar, so the live engine does constant work per bar instead of a whole window."""

    @abstractmethod
    def rule(self, before: Lines, after: Lines, close: FloatArray) -> Verdict:
        """Buy and sell masks and strength where the lines move from `before` to `after` (one bar
        later, closing at `close`); elementwise, so any number of such steps go at once."""

    @abstractmethod
    def explain(self, side: Side, values: dict[str, float]) -> str:
        """Human-readable reason for a signal, from the indicator values behind it."""

    def evaluate(self, frame: BarFrame) -> SignalSeries:
        """Signals for every bar; bar t's signal may only use bars up to t."""
        lines = self.lines(frame)
        before = {name: column[:-1] for name, column in lines.items()}
        after = {name: column[1:] for name, column in lines.items()}
        buy, sell, strength = self.rule(before, after, frame.close[1:])
        side = np.zeros(len(frame), dtype=np.int8)
        side[1:] = _sides(buy, sell)
        full_strength = np.zeros(len(frame))
        full_strength[1:] = _clipped(strength)
        return SignalSeries(self, frame, side, full_strength, lines)

    def latest(self, frame: BarFrame) -> Signal | None:
        """The signal of the newest bar of a window, from a full evaluation of the window."""
        if len(frame) < self.warmup:
            return None
        return self.evaluate(frame).latest()

    def latest_signals(self, bars: Sequence[LiveBar]) -> list[Signal | None]:
        """The newest bar's signal for many symbols with one vectorised rule: the same signal
        as `latest` on each window, up to the rounding of the incremental lines."""
        if not bars:
            return []
        names = bars[0].after
        before = {name: np.array([bar.before[name] for bar in bars]) for name in names}
        after = {name: np.array([bar.after[name] for bar in bars]) for name in names}
        close = np.array([bar.close for bar in bars])
        buy, sell, strength = self.rule(before, after, close)
        sides, strengths = _sides(buy, sell), _clipped(strength)
        return [
            self.signal(bar.symbol, to_datetime(bar.time), int(side), float(power), bar.after)
            if side
            else None
            for bar, side, power in zip(bars, sides, strengths, strict=True)
        ]

    def signal(
        self, symbol: str, time: datetime, side: int, strength: float, values: dict[str, float]
    ) -> Signal:
        """The Signal for one bar whose rule said buy (side > 0) or sell (side < 0)."""
        direction = Side.BUY if side > 0 else Side.SELL
        return Signal(
            symbol=symbol,
            time=time,
            side=direction,
            strength=strength,
            reason=self.explain(direction, values),
            strategy=self.name,
            values=values,
        )


def crossed_above(
    a_before: FloatArray | float,
    b_before: FloatArray | float,
    a_after: FloatArray | float,
    b_after: FloatArray | float,
) -> Mask:
    """True where a ends above b after being below it one bar earlier (NaN never crosses)."""
    return np.less(a_before, b_before) & np.greater(a_after, b_after)


def _sides(buy: Mask, sell: Mask) -> NDArray[np.int8]:
    """+1 buy, -1 sell, 0 none (a bar that is both gets none)."""
    side = np.zeros(buy.shape, dtype=np.int8)
    side[buy & ~sell] = BUY
    side[sell & ~buy] = SELL
    return side


def _clipped(strength: FloatArray) -> FloatArray:
    """Strength in [0, 1]; NaN (an undefined ratio) counts as 0."""
    return np.clip(np.nan_to_num(strength, nan=0.0), 0.0, 1.0)
