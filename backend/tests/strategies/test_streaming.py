"""The one-value-at-a-time indicators agree with app.indicators on every bar of a random walk
(up to rounding: a sequential recurrence against a blocked one), warm-up NaN included."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from app import indicators
from app.strategies import streaming
from tests.strategies.test_strategies import random_frame

FRAME = random_frame(900, seed=17)
CLOSE = FRAME.close


def replay(push: Callable[..., object], *columns: np.ndarray) -> np.ndarray:
    """Push every bar in turn; one row of outputs per bar."""
    return np.array([push(*row) for row in zip(*(c.tolist() for c in columns), strict=True)])


def assert_agrees(streamed: np.ndarray, full: np.ndarray) -> None:
    np.testing.assert_array_equal(np.isnan(streamed), np.isnan(full))
    np.testing.assert_allclose(streamed, full, rtol=1e-9)


@pytest.mark.parametrize("n", [1, 2, 9, 20])
def test_sma_and_ema(n: int) -> None:
    assert_agrees(replay(streaming.Sma(n).push, CLOSE), indicators.sma(CLOSE, n))
    assert_agrees(replay(streaming.Ema(n).push, CLOSE), indicators.ema(CLOSE, n))


@pytest.mark.parametrize("n", [2, 14, 30])
def test_rsi(n: int) -> None:
    assert_agrees(replay(streaming.Rsi(n).push, CLOSE), indicators.rsi(CLOSE, n))


@pytest.mark.parametrize("n", [1, 14])
def test_atr(n: int) -> None:
    streamed = replay(streaming.Atr(n).push, FRAME.high, FRAME.low, CLOSE)
    assert_agrees(streamed, indicators.atr(FRAME.high, FRAME.low, CLOSE, n))


@pytest.mark.parametrize(("fast", "slow", "signal"), [(12, 26, 9), (3, 8, 1), (2, 3, 2)])
def test_macd(fast: int, slow: int, signal: int) -> None:
    streamed = replay(streaming.Macd(fast, slow, signal).push, CLOSE)
    for column, full in zip(streamed.T, indicators.macd(CLOSE, fast, slow, signal), strict=True):
        assert_agrees(column, full)


@pytest.mark.parametrize(("n", "nbdev"), [(20, 2.0), (5, 1.0), (2, 3.5)])
def test_bollinger(n: int, nbdev: float) -> None:
    streamed = replay(streaming.Bollinger(n, nbdev).push, CLOSE)
    for column, full in zip(streamed.T, indicators.bollinger(CLOSE, n, nbdev), strict=True):
        assert_agrees(column, full)


def test_bollinger_of_a_flat_stretch_has_no_width() -> None:
    bands = streaming.Bollinger(4, 2.0)
    for _ in range(6):
        upper, middle, lower = bands.push(101.37)
    assert upper == middle == lower == pytest.approx(101.37)
