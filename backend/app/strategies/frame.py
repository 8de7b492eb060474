"""BarFrame: one symbol's bars as numpy columns, the shape strategies and the backtester read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from app.domain import Bar

FloatArray = NDArray[np.float64]
TimeArray = NDArray[np.datetime64]

_COLUMNS = ("open", "high", "low", "close", "volume")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class BarFrame:
    """Bars of one symbol, oldest first; time holds each bar's open time as UTC datetime64[us]."""

    symbol: str
    time: TimeArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __post_init__(self) -> None:
        if self.time.dtype != np.dtype("datetime64[us]"):
            object.__setattr__(self, "time", self.time.astype("datetime64[us]"))
        for name in _COLUMNS:
            column = getattr(self, name)
            if column.shape != self.time.shape:
                raise ValueError(
                    f"{name} has {column.size} values but time has {self.time.size}; "
                    "every column needs one value per bar"
                )

    @classmethod
    def from_bars(cls, bars: Sequence[object]) -> BarFrame:
        """Frame from domain Bars (the live engine's rolling window), oldest first."""
        from app.domain import Bar

        typed = [bar for bar in bars if isinstance(bar, Bar)]
        if len(typed) != len(bars) or not typed:
            raise ValueError("bars must be a non-empty sequence of app.domain.Bar")
        symbols = {bar.symbol for bar in typed}
        if len(symbols) != 1:
            raise ValueError(f"bars must all be of one symbol, got {sorted(symbols)}")
        times = np.array([to_datetime64(bar.time) for bar in typed], dtype="datetime64[us]")
        columns = {
            name: np.array([getattr(bar, name) for bar in typed], dtype=np.float64)
            for name in _COLUMNS
        }
        return cls(symbol=typed[0].symbol, time=times, **columns)

    def __len__(self) -> int:
        return int(self.time.size)

    def head(self, count: int) -> BarFrame:
        """The first count bars: what was known at the close of bar count - 1."""
        return BarFrame(
            self.symbol,
            self.time[:count],
            self.open[:count],
            self.high[:count],
            self.low[:count],
            self.close[:count],
            self.volume[:count],
        )

    def tail(self, count: int) -> BarFrame:
        """The last count bars (all of them when there are fewer), as views."""
        start = max(len(self) - count, 0)
        return BarFrame(
            self.symbol,
            self.time[start:],
            self.open[start:],
            self.high[start:],
            self.low[start:],
            self.close[start:],
            self.volume[start:],
        )

    def time_at(self, index: int) -> datetime:
        """Bar open time as a timezone-aware UTC datetime."""
        value = self.time[index].item()
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC)
        return to_datetime(self.time[index])

    def to_bars(self) -> list[Bar]:
        """The frame as domain bars, oldest first (to store them or replay them one by one)."""
        return [
            Bar(
                self.symbol,
                self.time_at(i),
                float(self.open[i]),
                float(self.high[i]),
                float(self.low[i]),
                float(self.close[i]),
                float(self.volume[i]),
            )
            for i in range(len(self))
        ]


def to_datetime64(moment: datetime) -> np.datetime64:
    """UTC datetime64[us] of an aware datetime (a naive one is taken as UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "us")


def to_datetime(moment: np.datetime64) -> datetime:
    """Aware UTC datetime of a datetime64 value."""
    value = moment.astype("datetime64[us]").item()
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return _EPOCH + timedelta(microseconds=int(value))  # outside datetime's year range
