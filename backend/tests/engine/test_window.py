"""Rolling windows keep the newest bars per symbol and the ATR the risk chain sizes orders by."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app import indicators
from app.domain import Bar
from app.engine.window import ATR_PERIOD, RollingWindows
from tests.strategies.test_strategies import random_frame


def test_atr_follows_every_bar_taken_like_the_indicator() -> None:
    frame = random_frame(300, seed=9)
    full = indicators.atr(frame.high, frame.low, frame.close, ATR_PERIOD)
    windows = RollingWindows(50)  # shorter than the history: the ATR still sees every bar
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
            assert atr == pytest.approx(full[i], rel=1e-9)
    assert windows.count("X") == 50 and windows.atr("Y") is None
