"""Technical indicators on numpy arrays: output as long as the input, NaN during warm-up, and
the same numbers as TA-Lib (same seeds, same NaN handling) so that results can be checked."""

from app.indicators.moving import bollinger, ema, macd, sma, wma
from app.indicators.oscillators import rsi, stoch
from app.indicators.ranges import adx, atr, true_range
from app.indicators.volume import obv

__all__ = [
    "adx",
    "atr",
    "bollinger",
    "ema",
    "macd",
    "obv",
    "rsi",
    "sma",
    "stoch",
    "true_range",
    "wma",
]
