"""The Strategy interface: typed, bounded parameters, a warm-up length, and one computation
from bars to per-bar signals that serves both the backtester (all bars) and the live engine
(the latest bar)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from app.domain import Side, Signal
from app.strategies.frame import BarFrame, FloatArray

BUY, SELL, NONE = np.int8(1), np.int8(-1), np.int8(0)


class StrategyParams(BaseModel):
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
        direction = Side.BUY if side > 0 else Side.SELL
        return Signal(
            symbol=self.frame.symbol,
            time=self.frame.time_at(index),
            side=direction,
            strength=float(self.strength[index]),
            reason=self.strategy.explain(direction, values),
            strategy=self.strategy.name,
            values=values,
        )

    def latest(self) -> Signal | None:
        """The signal of the newest bar, which is what the live engine acts on."""
        return self.at(-1) if len(self.frame) else None

    def indices(self) -> NDArray[np.intp]:
        """Bars that carry a signal, oldest first."""
        return np.flatnonzero(self.side)


class Strategy(ABC):
    """A trading rule. Subclasses set name, a Params model, and implement warmup and evaluate."""

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
    def evaluate(self, frame: BarFrame) -> SignalSeries:
        """Signals for every bar; bar t's signal may only use bars up to t."""

    @abstractmethod
    def explain(self, side: Side, values: dict[str, float]) -> str:
        """Human-readable reason for a signal, from the indicator values behind it."""

    def latest(self, frame: BarFrame) -> Signal | None:
        """The signal of the newest bar of a rolling window, if any."""
        if len(frame) < self.warmup:
            return None
        return self.evaluate(frame).latest()


def crosses_above(a: FloatArray, b: FloatArray) -> NDArray[np.bool_]:
    """True on bars where a ends above b after being below it on the previous bar."""
    result = np.zeros(a.size, dtype=bool)
    result[1:] = (a[:-1] < b[:-1]) & (a[1:] > b[1:])
    return result


def signal_series(
    strategy: Strategy,
    frame: BarFrame,
    buy: NDArray[np.bool_],
    sell: NDArray[np.bool_],
    strength: FloatArray,
    values: dict[str, FloatArray],
) -> SignalSeries:
    """Assemble a SignalSeries from buy and sell masks (a bar that is both gets none)."""
    side = np.zeros(len(frame), dtype=np.int8)
    side[buy & ~sell] = BUY
    side[sell & ~buy] = SELL
    clipped = np.clip(np.nan_to_num(strength, nan=0.0), 0.0, 1.0)
    return SignalSeries(strategy, frame, side, clipped, values)
