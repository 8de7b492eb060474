"""Moving averages and what is built on them (MACD, Bollinger bands), computed as TA-Lib does."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.indicators._inputs import (
    bars,
    first_complete,
    positive_number,
    series,
    warming_up,
)
from app.indicators._kernels import (
    FloatArray,
    first_nan,
    linear_recurrence,
    weighted_window,
    window_sum,
)
from app.indicators._macd import macd_into
from app.indicators._scratch import scratch


def sma(x: object, period: int) -> FloatArray:
    """Simple moving average of the last period values."""
    values = series("x", x)
    n = bars("period", period)
    start = first_complete(values)
    out = warming_up(values.size, start + n - 1)
    _sma_into(values[start:], n, out[start:])
    return out


def ema(x: object, period: int) -> FloatArray:
    """Exponential moving average, k = 2 / (period + 1), seeded with the first period's SMA."""
    values = series("x", x)
    n = bars("period", period)
    if n == 1:
        return values.copy()  # TA-Lib's EMA of one bar is the input, NaN only where it is NaN
    start = first_complete(values)
    out = warming_up(values.size, start + n - 1)
    body = values[start:]
    known = first_nan(body)  # a NaN poisons every later value, as in TA-Lib's loop
    out[start + known :] = np.nan
    _ema_into(body[:known], n, n - 1, out[start:])
    return out


def wma(x: object, period: int) -> FloatArray:
    """Linearly weighted moving average: the newest value weighs period, the oldest 1."""
    values = series("x", x)
    n = bars("period", period)
    start = first_complete(values)
    out = warming_up(values.size, start)
    body = values[start:]
    weights = np.arange(n, 0, -1, dtype=np.float64) / (n * (n + 1) / 2)
    if first_nan(body) < body.size:
        missing = np.isnan(body)
        weighted_window(np.where(missing, 0.0, body), weights, out[start:])
        out[start:][_wma_unknown(missing, n)] = np.nan
    else:
        weighted_window(body, weights, out[start:])
    out[start : start + n - 1] = np.nan  # the window leaves its warm-up unspecified
    return out


def macd(
    close: object, fast: int = 12, slow: int = 26, signal: int = 9
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """MACD line (fast EMA - slow EMA), its signal EMA and the histogram, as (macd, signal, hist).

    Both EMAs start on the slow EMA's first bar (the fast one seeded with the SMA of the fast
    period ending there), which is TA-Lib's convention."""
    values = series("close", close)
    fast_n = bars("fast", fast, minimum=2)
    slow_n = bars("slow", slow, minimum=2)
    signal_n = bars("signal", signal)
    fast_n, slow_n = min(fast_n, slow_n), max(fast_n, slow_n)
    start = first_complete(values)
    body = values[start:]
    lookback = slow_n - 1 + signal_n - 1
    line, trigger, hist = (warming_up(values.size, start + lookback) for _ in range(3))
    # A NaN poisons all three from its bar on (as in TA-Lib's loops): solve the part before it.
    known = first_nan(body)
    for output in (line, trigger, hist):
        output[start + known :] = np.nan
    body = body[:known]
    if body.size <= lookback:
        return line, trigger, hist
    macd_into(body, (fast_n, slow_n, signal_n), line[start:], trigger[start:], hist[start:])
    return line, trigger, hist


def bollinger(
    close: object, period: int = 20, nbdev: float = 2.0
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Bollinger bands (upper, middle, lower): SMA plus and minus nbdev population deviations."""
    values = series("close", close)
    n = bars("period", period)
    width = positive_number("nbdev", nbdev)
    start = first_complete(values)
    upper, middle, lower = (warming_up(values.size, start + n - 1) for _ in range(3))
    body = values[start:]
    if body.size < n:
        return upper, middle, lower
    _sma_into(body, n, middle[start:])
    mean = middle[start + n - 1 :]
    with scratch() as take:
        squares, band = take(body.size), take(mean.size)
        np.multiply(body, body, out=squares)
        window_sum(squares, n, band, n)
        np.multiply(mean, mean, out=squares[: mean.size])
        band -= squares[: mean.size]  # variance, as TA-Lib computes it: E[x^2] - E[x]^2
        # Below a 1e-13 share of the squared mean the variance is only rounding left from that
        # subtraction (a flat window): TA-Lib reports no deviation there either. Two reading
        # passes tell whether any window can be that flat (or NaN); usually none is.
        if not np.minimum.reduce(band) >= _ROUNDING * np.maximum.reduce(squares[: mean.size]):
            squares[: mean.size] *= _ROUNDING
            band[band < squares[: mean.size]] = 0.0
        np.sqrt(band, out=band)
        if width != 1.0:
            band *= width
        np.add(mean, band, out=upper[start + n - 1 :])
        np.subtract(mean, band, out=lower[start + n - 1 :])
    return upper, middle, lower


_ROUNDING = 1e-13


def _sma_into(body: FloatArray, n: int, out: FloatArray) -> None:
    """SMA of a series without leading NaN into out (same length, NaN already in place)."""
    if body.size < n:
        return
    tail = out[n - 1 : body.size]
    window_sum(body, n, tail, n)
    _poison(body, out)


def _ema_into(body: FloatArray, n: int, seed_at: int, out: FloatArray) -> None:
    """EMA of a series without NaN, whose first value, at seed_at, is the SMA of the n values
    ending there."""
    if body.size <= seed_at:
        return
    k = 2.0 / (n + 1)
    seed = body[seed_at - n + 1 : seed_at + 1].sum() / n
    out[seed_at] = seed
    with scratch() as take:
        work = take(body.size - seed_at - 1)  # the recurrence uses its input as work space
        np.copyto(work, body[seed_at + 1 :])
        linear_recurrence(work, 1.0 - k, out[seed_at + 1 : body.size], k, seed)


def _wma_unknown(missing: NDArray[np.bool_], n: int) -> NDArray[np.bool_]:
    """Bars TA-Lib's WMA reports as NaN: from a NaN input until its running sums are rebuilt
    from a NaN-free window, which it does every 8 * n outputs (period 1 is a plain copy)."""
    if n == 1:
        return missing
    index = np.arange(missing.size)
    last_missing = np.maximum.accumulate(np.where(missing, index, -1))
    rebuilds_passed = np.maximum(index - (n - 2), 0) // (8 * n)
    last_rebuild = np.where(rebuilds_passed > 0, n - 2 + rebuilds_passed * 8 * n, -1)
    unknown: NDArray[np.bool_] = (last_missing >= 0) & (last_missing > last_rebuild - n)
    return unknown


def _poison(body: FloatArray, out: FloatArray) -> None:
    """NaN from the first NaN input onward, as TA-Lib's running sums produce."""
    out[first_nan(body) : body.size] = np.nan
