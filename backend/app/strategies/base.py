"""The Strategy interface: typed, bounded parameters, a warm-up length and one vectorised function
from a window of bars to buy and sell signals with the indicator values behind them. The live
engine calls it on its rolling window every bar, the backtester once on the whole series: both
read the same bars, so both get the same signals."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pydantic import ConfigDict

from app.domain import InputModel, Side, Signal
from app.strategies.frame import BarFrame, FloatArray

BUY, SELL = np.int8(1), np.int8(-1)
RECURSIVE_HISTORY = 20  # periods after which an EMA's seed weighs under 1e-16 (k >= 2/(n+1))

Mask = NDArray[np.bool_]


class StrategyParams(InputModel):
    """Base of every strategy's parameter model: unknown names are errors, values are frozen,
    defaults are validated like any value."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


@dataclass(frozen=True, slots=True)
class Signals:
    """What `Strategy.signals` returns, one entry per bar of the window: where to buy and sell,
    how strongly (0 to 1, a number or one per bar) and the indicator columns behind it."""

    buy: ArrayLike
    sell: ArrayLike
    strength: ArrayLike = 1.0
    values: dict[str, ArrayLike] = field(default_factory=dict)


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


class Strategy(ABC):
    """A trading rule. Subclasses set name, title and a Params model, a warmup (bars before the
    first signal can appear) and implement `signals`; `explain` words a signal's reason."""

    name: ClassVar[str]
    title: ClassVar[str]
    Params: ClassVar[type[StrategyParams]] = StrategyParams

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
        """Bars of the live engine's window this strategy is evaluated on: more than warmup where
        an indicator is recursive (EMA, Wilder), so its value no longer depends on where the
        window starts."""
        return self.warmup

    @abstractmethod
    def signals(self, bars: BarFrame) -> Signals:
        """Buy and sell masks for every bar of `bars` (bar t may only use bars up to t)."""

    def explain(self, side: Side, values: dict[str, float]) -> str:
        """Human-readable reason for a signal, from the indicator values behind it."""
        shown = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
        return f"{self.title}: {side.value}" + (f" ({shown})" if shown else "")

    def evaluate(self, frame: BarFrame) -> SignalSeries:
        """Signals for every bar, checked for shape; a bar both buying and selling gets none."""
        out = self.signals(frame)
        size = len(frame)
        buy, sell = _column(out.buy, size, "buy", bool), _column(out.sell, size, "sell", bool)
        side = np.zeros(size, dtype=np.int8)
        side[buy & ~sell] = BUY
        side[sell & ~buy] = SELL
        strength = np.clip(np.nan_to_num(_column(out.strength, size, "strength"), nan=0.0), 0, 1)
        values = {name: _column(v, size, f"values[{name!r}]") for name, v in out.values.items()}
        return SignalSeries(self, frame, side, strength, values)

    def latest(self, frame: BarFrame) -> Signal | None:
        """The signal of the newest bar of a window (what the live engine acts on): the same as
        `evaluate(frame).latest()`, reading only the last entry of each column."""
        size = len(frame)
        if size < self.warmup:
            return None
        out = self.signals(frame)
        buy, sell = bool(_last(out.buy, size, "buy")), bool(_last(out.sell, size, "sell"))
        if buy == sell:
            return None
        strength = float(_last(out.strength, size, "strength"))
        strength = 0.0 if math.isnan(strength) else min(max(strength, 0.0), 1.0)
        values = {
            name: float(_last(v, size, f"values[{name!r}]")) for name, v in out.values.items()
        }
        return self.signal(frame.symbol, frame.time_at(-1), 1 if buy else -1, strength, values)

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


def crossed_above(a: ArrayLike, b: ArrayLike) -> Mask:
    """True on the bars where a ends above b after being below it one bar earlier (NaN never
    crosses); a and b are columns or numbers."""
    first, second = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    out = np.zeros(max(first.size, second.size), dtype=bool)
    before, after = (_shifted(x) for x in (first, second))
    np.logical_and(np.less(before[0], after[0]), np.greater(before[1], after[1]), out=out[1:])
    return out


def crossed_below(a: ArrayLike, b: ArrayLike) -> Mask:
    """True on the bars where a ends below b after being above it one bar earlier."""
    return crossed_above(b, a)


def _shifted(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(the column one bar earlier, the column from its second bar on); a number stays one."""
    return (x, x) if x.ndim == 0 else (x[:-1], x[1:])


def _last(value: ArrayLike, size: int, name: str) -> Any:
    """The newest bar's entry of a signals column (a number is every bar's), shape checked."""
    shape = np.shape(value)
    if shape == ():
        return value
    if shape != (size,):
        raise ValueError(f"signals {name} has shape {shape}, expected ({size},): one per bar")
    return value[-1]  # type: ignore[index]


def _column(value: ArrayLike, size: int, name: str, dtype: type = np.float64) -> NDArray[Any]:
    """One value per bar (a number is repeated), or a ValueError naming the wrong column."""
    array: NDArray[Any] = np.asarray(value, dtype=dtype)
    if array.ndim == 0:
        return np.full(size, array, dtype=dtype)
    if array.shape != (size,):
        raise ValueError(f"signals {name} has shape {array.shape}, expected ({size},): one per bar")
    return array
