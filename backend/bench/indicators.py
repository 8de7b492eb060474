"""What the live engine spends on strategies per bar batch: every built-in strategy (TA-Lib
indicators recomputed on each window, no streaming state) on 300 instances' rolling windows,
and TA-Lib's six indicators alone on 300-bar windows for 300 instances (SMA x2, RSI, Bollinger,
MACD, ATR). Target: far inside the engine's 50 ms bar-to-order budget. Best of several runs.
Run: cd backend && ../.venv/bin/python bench/indicators.py
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import talib

from app.strategies import STRATEGIES, build
from app.strategies.files import trial_frame

INSTANCES = 300
WINDOW = 300
REPEATS = 20


def best_ms(call: Callable[[], object]) -> float:
    call()
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    frames = [trial_frame(1_000, seed) for seed in range(INSTANCES)]
    windows = [frame.tail(WINDOW) for frame in frames]

    def six_indicators() -> None:
        for w in windows:
            talib.SMA(w.close, 10), talib.SMA(w.close, 20), talib.RSI(w.close, 14)
            talib.BBANDS(w.close, 20), talib.MACD(w.close), talib.ATR(w.high, w.low, w.close)

    print(f"load average {os.getloadavg()[0]:.1f}; {INSTANCES} instances, best of {REPEATS}")
    print(f"  TA-Lib six indicators on {WINDOW}-bar windows  {best_ms(six_indicators):6.1f} ms")
    for name in STRATEGIES:
        strategy = build(name)
        tails = [frame.tail(strategy.history) for frame in frames]
        elapsed = best_ms(lambda s=strategy, t=tails: [s.latest(w) for w in t])
        print(f"  {name:<20} on {strategy.history:>3}-bar windows  {elapsed:6.1f} ms per batch")


if __name__ == "__main__":
    main()
