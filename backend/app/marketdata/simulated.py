"""A deterministic make-believe stock market, so a fresh install has prices to trade on.

Each symbol follows geometric Brownian motion whose drift and volatility switch between
regimes (calm bull, bear, choppy) like a Markov chain. The path is a pure function of
(seed, symbol, origin, interval): same inputs, same bars, on every machine. These prices are
not real and everything built on them is labelled "simulated".
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from app.domain import Bar

_SUBSTEPS = 4  # price points inside a bar, to give it a high and a low


@dataclass(frozen=True, slots=True)
class Regime:
    """A market mood: log-drift and volatility per bar."""

    name: str
    drift: float
    volatility: float


DEFAULT_REGIMES = (
    Regime("calm bull", drift=0.0004, volatility=0.0012),
    Regime("bear", drift=-0.0005, volatility=0.0025),
    Regime("choppy", drift=0.0, volatility=0.0018),
)


class SimulatedMarket:
    """Infinite, reproducible bar series per symbol, starting at `origin`."""

    label = "simulated"

    def __init__(
        self,
        *,
        seed: int,
        origin: datetime,
        interval: timedelta = timedelta(minutes=1),
        start_prices: Mapping[str, float] | None = None,
        regimes: tuple[Regime, ...] = DEFAULT_REGIMES,
        switch_probability: float = 0.01,
    ) -> None:
        if origin.tzinfo is None:
            raise ValueError(f"origin must be timezone-aware (UTC), got {origin!r}")
        if interval <= timedelta(0):
            raise ValueError(f"interval must be positive, got {interval}")
        if not regimes:
            raise ValueError("at least one regime is needed")
        if not 0 <= switch_probability <= 1:
            raise ValueError(f"switch_probability must be in [0, 1], got {switch_probability}")
        self.seed = seed
        self.origin = origin
        self.interval = interval
        self._start_prices = dict(start_prices or {})
        self._regimes = regimes
        self._switch = switch_probability

    def bars(self, symbol: str) -> Iterator[Bar]:
        """Bars of `symbol` from the origin on, forever."""
        rng = np.random.default_rng([self.seed, zlib.crc32(symbol.encode())])
        price = self._start_prices.get(symbol) or float(rng.uniform(20, 500))
        regime = int(rng.integers(len(self._regimes)))
        time = self.origin
        while True:
            if rng.random() < self._switch:
                regime = int(rng.integers(len(self._regimes)))
            mood = self._regimes[regime]
            step_vol = mood.volatility / np.sqrt(_SUBSTEPS)
            steps = (mood.drift / _SUBSTEPS - step_vol**2 / 2) + step_vol * rng.standard_normal(
                _SUBSTEPS
            )
            path = price * np.exp(np.cumsum(steps))
            close = float(path[-1])
            volume = float(np.round(rng.lognormal(9, 0.5) * (1 + 200 * abs(close / price - 1))))
            yield Bar(
                symbol=symbol,
                time=time,
                open=round(price, 2),
                high=round(max(price, float(path.max())), 2),
                low=round(min(price, float(path.min())), 2),
                close=round(close, 2),
                volume=volume,
            )
            price = close
            time += self.interval
