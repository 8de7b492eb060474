"""Bad input raises a ValueError that names the argument at fault."""

from __future__ import annotations

import numpy as np
import pytest

from app import indicators

CLOSE = np.linspace(10, 20, 50)


@pytest.mark.parametrize(
    ("call", "named"),
    [
        (lambda: indicators.sma(CLOSE, 0), "period"),
        (lambda: indicators.ema(CLOSE, -3), "period"),
        (lambda: indicators.wma(CLOSE, 2.5), "period"),
        (lambda: indicators.sma(CLOSE, True), "period"),
        (lambda: indicators.rsi(CLOSE, 1), "period"),
        (lambda: indicators.macd(CLOSE, fast=0), "fast"),
        (lambda: indicators.macd(CLOSE, slow=1), "slow"),
        (lambda: indicators.macd(CLOSE, signal=0), "signal"),
        (lambda: indicators.bollinger(CLOSE, nbdev=0), "nbdev"),
        (lambda: indicators.bollinger(CLOSE, nbdev=float("nan")), "nbdev"),
        (lambda: indicators.stoch(CLOSE, CLOSE, CLOSE, fastk=0), "fastk"),
        (lambda: indicators.stoch(CLOSE, CLOSE, CLOSE, slowk=0), "slowk"),
        (lambda: indicators.stoch(CLOSE, CLOSE, CLOSE, slowd=0), "slowd"),
        (lambda: indicators.adx(CLOSE, CLOSE, CLOSE, 1), "period"),
        (lambda: indicators.atr(CLOSE, CLOSE[:-1], CLOSE), "low"),
        (lambda: indicators.stoch(CLOSE, CLOSE, CLOSE[:10]), "close"),
        (lambda: indicators.obv(CLOSE, CLOSE[1:]), "volume"),
        (lambda: indicators.sma(["1", "2", "x"], 2), "x"),
        (lambda: indicators.rsi([1.0, None, 3.0]), "close"),
        (lambda: indicators.ema(np.ones((3, 3)), 2), "x"),
        (lambda: indicators.obv(CLOSE, np.array(["a"] * 50)), "volume"),
    ],
)
def test_bad_input_names_the_argument(call, named: str) -> None:
    with pytest.raises(ValueError, match=rf"^{named}\b"):
        call()
