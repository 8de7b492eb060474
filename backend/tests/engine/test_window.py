"""Rolling windows keep the newest bars per symbol and the ATR the risk chain sizes orders by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import talib

from app.domain import Bar
from app.engine.window import ATR_HISTORY, ATR_PERIOD, RollingWindows
from tests.strategies.test_strategies import random_frame


def test_atr_over_a_window_of_atr_history_bars_follows_the_atr_of_every_bar() -> None:
    frame = random_frame(ATR_HISTORY + 300, seed=9)
    full = talib.ATR(frame.high, frame.low, frame.close, ATR_PERIOD)
    windows = RollingWindows(ATR_HISTORY)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    for i in range(len(frame)):
        bar = Bar(
            "X",
            start + timedelta(minutes=i),
            float(frame.open[i]),
            float(frame.high[i]),
            float(frame.low[i]),
            float(frame.close[i]),
            float(frame.volume[i]),
        )
        assert windows.add(bar)
        assert not windows.add(bar)  # a repeated bar changes nothing, the ATR included
        atr = windows.atr("X")
        if i < ATR_PERIOD:
            assert atr is None
        else:
            assert atr == pytest.approx(full[i], rel=1e-6)
    assert windows.count("X") == ATR_HISTORY and windows.atr("Y") is None
