"""The live engine's evaluation (each strategy on the newest `history` bars of its symbol's
rolling window, bar by bar) gives the backtester's signals (the strategy on the whole series)
on every bar, for every built-in strategy; a failing strategy leaves the others deciding."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from app.domain import Bar, Signal
from app.engine.instances import LiveInstance
from app.engine.signals import SignalBatch
from app.engine.window import RollingWindows
from app.strategies import STRATEGIES, BarFrame, Signals, Strategy, StrategyParams, build
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


def bars_of(frame: BarFrame) -> list[Bar]:
    return frame.to_bars()


def assert_same(live: Signal | None, full: Signal | None) -> None:
    """Same decision, bar and reason; numbers equal up to rounding (TA-Lib's running sums
    start at the window's first bar instead of the series')."""
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


def instance(id_: int, symbol: str, rule: Strategy) -> LiveInstance:
    return LiveInstance(id_, "x", rule.name, symbol, datetime.now(UTC), rule)


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_rolling_window_signals_equal_the_whole_series_bar_for_bar(
    name: str, params: dict[str, Any]
) -> None:
    strategy = build(name, params)
    size = strategy.history + 900  # the window fills up, then rolls for 900 bars
    frames = [renamed(random_frame(size, seed), f"S{seed}") for seed in (3, 5, 8)]
    full = {frame.symbol: strategy.evaluate(frame) for frame in frames}
    windows = RollingWindows(strategy.history)
    instances = {f.symbol: [instance(n, f.symbol, strategy)] for n, f in enumerate(frames)}
    feeds = [bars_of(frame) for frame in frames]
    signals = 0
    for i in range(size):
        batch = SignalBatch()
        expected = []
        for feed in feeds:
            bar = feed[i]
            assert windows.add(bar)
            window = windows.frame(bar.symbol)
            assert window is not None
            batch.advance(window, instances[bar.symbol])
            reference = full[bar.symbol].at(i)
            if reference is not None:
                expected.append((bar.symbol, reference))
        got = batch.signals()
        assert [live.symbol for _, live in got] == [symbol for symbol, _ in expected]
        for (_, live), (_, reference) in zip(got, expected, strict=True):
            assert_same(live, reference)
        signals += len(got)
    assert signals >= 30, "the walks must produce signals for this test to mean much"


class Broken(Strategy):
    name = "broken"
    title = "Raises on every bar"
    Params: ClassVar[type[StrategyParams]] = StrategyParams
    warmup = 1

    def signals(self, bars: BarFrame) -> Signals:
        raise ZeroDivisionError("a user's bug")


def test_batch_keeps_row_order_shares_evaluations_and_survives_a_broken_strategy() -> None:
    sma = build("sma_crossover", {"fast": 2, "slow": 5})
    rsi = build("rsi_reversion", {"period": 3, "oversold": 40, "overbought": 60})
    frames = [renamed(random_frame(400, seed), f"S{seed}") for seed in (1, 2, 3)]
    instances = {
        frame.symbol: [
            instance(10 * n + k, frame.symbol, s)
            for k, s in enumerate((rsi, Broken(), sma, rsi))  # two instances share rsi
        ]
        for n, frame in enumerate(frames)
    }
    full = {(f.symbol, s.name): s.evaluate(f) for f in frames for s in (sma, rsi)}
    seen = 0
    for end in range(1, 401):
        batch = SignalBatch()
        expected = []
        for frame in frames:
            batch.advance(frame.head(end), instances[frame.symbol])
            for row in instances[frame.symbol]:
                if row.strategy == "broken":
                    continue
                signal = full[(frame.symbol, row.strategy)].at(end - 1)
                if signal is not None:
                    expected.append((row, signal))
        got = batch.signals()
        assert [row.id for row, _ in got] == [row.id for row, _ in expected]
        for (_, live), (_, reference) in zip(got, expected, strict=True):
            assert_same(live, reference)
        seen += len(got)
    assert seen >= 50, "the walks must produce signals for this test to mean much"
