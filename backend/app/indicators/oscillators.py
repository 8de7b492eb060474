"""Bounded oscillators (RSI, stochastic), computed as TA-Lib does."""

from __future__ import annotations

import numpy as np

from app.indicators._inputs import aligned, bars, first_complete, nan_array, series
from app.indicators._kernels import (
    FloatArray,
    first_nan,
    recurrence_until_nan,
    window_extreme,
    window_sum,
)
from app.indicators._rescan import nan_rescans
from app.indicators._scratch import scratch


def rsi(close: object, period: int = 14) -> FloatArray:
    """Relative strength index with Wilder's smoothing of average gain and loss."""
    values = series("close", close)
    n = bars("period", period, minimum=2)
    start = first_complete(values)
    body = values[start:]
    if body.size <= n:
        return nan_array(values.size)
    out = np.empty(values.size)
    out[: start + n] = np.nan
    with scratch() as take:
        # Twice the gain is change + |change|; gain + loss, the denominator, is |change|: both
        # averages are linear, so RSI = 100 * avg(twice gain) / 2 / avg(|change|). A NaN change
        # makes both NaN, as TA-Lib's gain turns NaN (its RSI is then 0, set below).
        twice_gain, move = take(body.size - 1), take(body.size - 1)
        np.subtract(body[1:], body[:-1], out=twice_gain)
        np.abs(twice_gain, out=move)
        twice_gain += move
        strength, total = out[start + n :], take(body.size - n)
        _wilder(twice_gain, n, 50.0, strength)
        _wilder(move, n, 1.0, total)
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(strength, total, out=strength)
        if np.isnan(np.minimum.reduce(strength)):  # 0/0 (no move at all) or a NaN input
            np.fmax(strength, 0.0, out=strength)  # TA-Lib says 0 for both
    return out


def stoch(
    high: object, low: object, close: object, fastk: int = 5, slowk: int = 3, slowd: int = 3
) -> tuple[FloatArray, FloatArray]:
    """Slow stochastic (k, d): fast %K over fastk bars, smoothed by an SMA of slowk, then slowd."""
    highs, lows, closes = aligned(high=high, low=low, close=close)
    fast_n = bars("fastk", fastk)
    slow_k_n = bars("slowk", slowk)
    slow_d_n = bars("slowd", slowd)
    k_out, d_out = nan_array(closes.size), nan_array(closes.size)
    start = first_complete(highs, lows, closes)
    size = closes.size - start
    lookback = fast_n - 1 + slow_k_n - 1 + slow_d_n - 1
    if size <= lookback:
        return k_out, d_out
    highest, lowest = np.empty(size - fast_n + 1), np.empty(size - fast_n + 1)
    # TA-Lib's running extremes pass over a NaN high or low, as fmax and fmin do, except
    # where its search for a new extreme starts on the NaN bar.
    window_extreme(highs[start:], fast_n, np.fmax, highest)
    window_extreme(lows[start:], fast_n, np.fmin, lowest)
    if _has_nan(highs[start:], lows[start:]):
        highest[nan_rescans(-highs[start:], fast_n)] = np.nan
        lowest[nan_rescans(lows[start:], fast_n)] = np.nan
    scale = (highest - lowest) / 100.0
    fast = (closes[start + fast_n - 1 :] - lowest) / np.where(scale == 0.0, 1.0, scale)
    fast[scale == 0.0] = 0.0
    slow_k = _running_mean(fast, slow_k_n)
    slow_d = _running_mean(slow_k, slow_d_n)
    k_out[start + lookback :] = slow_k[slow_d_n - 1 :]
    d_out[start + lookback :] = slow_d
    return k_out, d_out


def _wilder(step: FloatArray, n: int, scale: float, out: FloatArray) -> None:
    """scale times Wilder's average of step from index n - 1 on: the mean of the first n, then
    (prev * (n - 1) + x) / n (step is used as work space)."""
    seed = step[:n].sum() / n * scale
    out[0] = seed
    recurrence_until_nan(step[n:], (n - 1) / n, out[1:], scale / n, seed)


def _running_mean(values: FloatArray, n: int) -> FloatArray:
    """Full-window means of values (len - n + 1), NaN forever after a NaN as in TA-Lib's SMA;
    a mean of one value is the value itself, as TA-Lib's MA copies it."""
    if n == 1:
        return values.copy()
    means = np.empty(values.size - n + 1)
    window_sum(values, n, means, n)
    means[max(first_nan(values) - n + 1, 0) :] = np.nan
    return means


def _has_nan(*arrays: FloatArray) -> bool:
    """True when any array holds a NaN (one reading pass each)."""
    return any(np.isnan(np.minimum.reduce(array)) for array in arrays)
