"""The live engine's path (incremental lines, one vectorised rule for many symbols) gives the
signals of the full evaluation, bar by bar, for every built-in strategy."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app.domain import Signal
from app.strategies import STRATEGIES, BarFrame, build
from app.strategies.live import LineTracker
from tests.strategies.test_strategies import random_frame

VARIANTS: list[tuple[str, dict[str, Any]]] = [(name, {}) for name in STRATEGIES] + [
    ("sma_crossover", {"fast": 1, "slow": 2}),
    ("ema_crossover", {"fast": 1, "slow": 3}),
    ("macd_trend", {"fast": 3, "slow": 8, "signal": 2}),
    ("rsi_reversion", {"period": 2, "oversold": 40, "overbought": 60}),
    ("bollinger_reversion", {"period": 5, "nbdev": 1.0}),
]


def renamed(frame: BarFrame, symbol: str) -> BarFrame:
    return BarFrame(
        symbol, frame.time, frame.open, frame.high, frame.low, frame.close, frame.volume
    )


def assert_same(live: Signal | None, full: Signal | None) -> None:
    """Same decision, bar and reason; numbers equal up to rounding (sequential vs blocked)."""
    assert (live is None) == (full is None), (live, full)
    if live is None or full is None:
        return
    assert (live.symbol, live.time, live.side, live.strategy, live.reason) == (
        full.symbol,
        full.time,
        full.side,
        full.strategy,
        full.reason,
    )
    assert live.strength == pytest.approx(full.strength, rel=1e-9, abs=1e-12)
    assert live.values == pytest.approx(full.values, rel=1e-9)


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_live_signals_match_the_full_evaluation_on_every_bar(
    name: str, params: dict[str, Any]
) -> None:
    strategy = build(name, params)
    frames = [renamed(random_frame(1500, seed), f"S{seed}") for seed in (3, 5, 8)]
    full = [strategy.evaluate(frame) for frame in frames]
    trackers = [LineTracker(strategy) for _ in frames]
    signals = 0
    for end in range(1, 1501):
        bars = [
            tracker.update(frame.head(end)) for tracker, frame in zip(trackers, frames, strict=True)
        ]
        live = strategy.latest_signals([bar for bar in bars if bar is not None])
        for got, series in zip(live, full, strict=True):
            assert_same(got, series.at(end - 1))
            signals += got is not None
    assert signals >= 30, "the walks must produce signals for this test to mean much"


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_live_lines_follow_the_full_lines_within_rounding(
    name: str, params: dict[str, Any]
) -> None:
    strategy = build(name, params)
    frame = random_frame(800, seed=21)
    full = strategy.evaluate(frame).values
    tracker = LineTracker(strategy)
    for end in range(1, len(frame) + 1):
        bar = tracker.update(frame.head(end))
        assert bar is not None
        for column, values in full.items():
            np.testing.assert_allclose(bar.after[column], values[end - 1], rtol=1e-9)


@pytest.mark.parametrize("name", STRATEGIES)
def test_a_missed_bar_rebuilds_the_lines_from_the_window(name: str) -> None:
    strategy = build(name)
    frame = random_frame(strategy.history + 200, seed=4)
    tracker = LineTracker(strategy)
    tracker.update(frame.head(100))
    bar = tracker.update(frame.head(len(frame)))  # many bars later: a restart or a gap
    assert bar is not None
    window = frame.head(len(frame))
    recent = strategy.evaluate(
        BarFrame(
            frame.symbol,
            window.time[-strategy.history :],
            window.open[-strategy.history :],
            window.high[-strategy.history :],
            window.low[-strategy.history :],
            window.close[-strategy.history :],
            window.volume[-strategy.history :],
        )
    ).values
    for column, values in recent.items():
        np.testing.assert_allclose(bar.before[column], values[-2], rtol=1e-9)
        np.testing.assert_allclose(bar.after[column], values[-1], rtol=1e-9)
