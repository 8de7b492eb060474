"""A batch's signals: each instance gets its own window's signal, in bar-then-instance order,
whatever the grouping of instances by shared strategy."""

from __future__ import annotations

from datetime import UTC, datetime

from app.engine.instances import LiveInstance
from app.engine.signals import SignalBatch
from app.strategies import build
from app.strategies.live import LineTracker
from tests.strategies.test_live import assert_same, renamed
from tests.strategies.test_strategies import random_frame


def test_batch_signals_match_each_windows_full_evaluation_in_row_order() -> None:
    sma = build("sma_crossover", {"fast": 2, "slow": 5})
    rsi = build("rsi_reversion", {"period": 3, "oversold": 40, "overbought": 60})
    frames = [renamed(random_frame(400, seed), f"S{seed}") for seed in (1, 2, 3)]
    instances = {
        frame.symbol: [
            LiveInstance(10 * n + k, "x", s.name, frame.symbol, datetime.now(UTC), LineTracker(s))
            for k, s in enumerate((rsi, sma, rsi))  # two instances share one strategy object
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
            for instance in instances[frame.symbol]:
                signal = full[(frame.symbol, instance.strategy)].at(end - 1)
                if signal is not None:
                    expected.append((instance, signal))
        got = batch.signals()
        assert [instance.id for instance, _ in got] == [instance.id for instance, _ in expected]
        for (_, live), (_, reference) in zip(got, expected, strict=True):
            assert_same(live, reference)
        seen += len(got)
    assert seen >= 50, "the walks must produce signals for this test to mean much"
