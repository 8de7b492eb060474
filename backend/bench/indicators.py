"""Each indicator on 1,000,000 bars against TA-Lib in the same run: best of several timings and
the ratio (target: every ratio at most 3)."""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy: small products, no threads

import time
from collections.abc import Callable

import numpy as np
import talib

from app import indicators

BARS = 1_000_000
REPEATS = 30


def best_ms(ours: Callable[[], object], theirs: Callable[[], object]) -> tuple[float, float]:
    """Fastest of REPEATS runs of each, in milliseconds, the two taking turns so that load
    from other processes hits both alike."""
    ours(), theirs()
    fastest = [float("inf"), float("inf")]
    for _ in range(REPEATS):
        for side, call in enumerate((ours, theirs)):
            started = time.perf_counter()
            call()
            fastest[side] = min(fastest[side], time.perf_counter() - started)
    return fastest[0] * 1000, fastest[1] * 1000


def main() -> None:
    rng = np.random.default_rng(7)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, BARS)))
    high = close * (1 + rng.random(BARS) * 0.01)
    low = close * (1 - rng.random(BARS) * 0.01)
    volume = rng.integers(100, 10_000, BARS).astype(np.float64)
    pairs: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
        "sma(20)": (lambda: indicators.sma(close, 20), lambda: talib.SMA(close, 20)),
        "ema(20)": (lambda: indicators.ema(close, 20), lambda: talib.EMA(close, 20)),
        "wma(20)": (lambda: indicators.wma(close, 20), lambda: talib.WMA(close, 20)),
        "rsi(14)": (lambda: indicators.rsi(close), lambda: talib.RSI(close, 14)),
        "macd(12,26,9)": (lambda: indicators.macd(close), lambda: talib.MACD(close)),
        "bollinger(20,2)": (lambda: indicators.bollinger(close), lambda: talib.BBANDS(close, 20)),
        "atr(14)": (
            lambda: indicators.atr(high, low, close),
            lambda: talib.ATR(high, low, close, 14),
        ),
        "stoch(5,3,3)": (
            lambda: indicators.stoch(high, low, close),
            lambda: talib.STOCH(high, low, close),
        ),
        "adx(14)": (
            lambda: indicators.adx(high, low, close),
            lambda: talib.ADX(high, low, close, 14),
        ),
        "obv": (lambda: indicators.obv(close, volume), lambda: talib.OBV(close, volume)),
    }
    print(f"indicators on {BARS:,} bars, best of {REPEATS} (target: ratio <= 3.0)")
    print(f"{'indicator':<18}{'ours ms':>10}{'TA-Lib ms':>11}{'ratio':>8}")
    worst = 0.0
    for name, (ours, theirs) in pairs.items():
        ours_ms, theirs_ms = best_ms(ours, theirs)
        ratio = ours_ms / theirs_ms
        worst = max(worst, ratio)
        print(f"{name:<18}{ours_ms:>10.2f}{theirs_ms:>11.2f}{ratio:>8.2f}")
    print(f"worst ratio {worst:.2f} ({'within' if worst <= 3 else 'OVER'} the 3x target)")


if __name__ == "__main__":
    main()
