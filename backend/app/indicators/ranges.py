"""Indicators of the bar's range (true range, ATR, ADX), computed as TA-Lib does."""

from __future__ import annotations

import numpy as np

from app.indicators._inputs import aligned, bars, first_complete, nan_array
from app.indicators._kernels import FloatArray, recurrence_until_nan
from app.indicators.oscillators import is_zero


def atr(high: object, low: object, close: object, period: int = 14) -> FloatArray:
    """Average true range with Wilder's smoothing."""
    highs, lows, closes = aligned(high=high, low=low, close=close)
    n = bars("period", period)
    out = nan_array(closes.size)
    start = first_complete(highs, lows, closes)
    if closes.size - start <= n:
        return out
    ranges = true_range(highs[start:], lows[start:], closes[start:])
    drive = ranges[n - 1 :] / n
    drive[0] = ranges[:n].sum() / n
    recurrence_until_nan(drive, (n - 1) / n, out[start + n :])
    return out


def adx(high: object, low: object, close: object, period: int = 14) -> FloatArray:
    """Average directional index: Wilder-smoothed DX of the +DI/-DI pair."""
    highs, lows, closes = aligned(high=high, low=low, close=close)
    n = bars("period", period, minimum=2)
    out = nan_array(closes.size)
    start = first_complete(highs, lows, closes)
    h, lo, c = highs[start:], lows[start:], closes[start:]
    if h.size < 2 * n:
        return out
    up = np.diff(h)
    down = -np.diff(lo)
    minus_move = (down > 0) & (up < down)
    plus_move = ~minus_move & (up > 0) & (up > down)
    keep = 1.0 - 1.0 / n
    plus_dm = _wilder_sum(np.where(plus_move, up, 0.0), n, keep)
    minus_dm = _wilder_sum(np.where(minus_move, down, 0.0), n, keep)
    ranges = _wilder_sum(true_range(h, lo, c), n, keep)
    # From here on, index i means bar n + i.
    plus_dm, minus_dm, ranges = plus_dm[1:], minus_dm[1:], ranges[1:]
    counted = ~is_zero(ranges)
    safe_ranges = np.where(counted, ranges, 1.0)
    minus_di = 100.0 * (minus_dm / safe_ranges)
    plus_di = 100.0 * (plus_dm / safe_ranges)
    di_sum = minus_di + plus_di
    counted &= ~is_zero(di_sum)
    dx = 100.0 * (np.abs(minus_di - plus_di) / np.where(counted, di_sum, 1.0))
    seed = np.where(counted[:n], dx[:n], 0.0).sum() / n
    later = counted[n:]
    drive = np.concatenate(([seed], dx[n:][later] / n))
    smoothed = np.empty(drive.size)
    recurrence_until_nan(drive, (n - 1) / n, smoothed)
    out[start + 2 * n - 1 :] = smoothed[np.concatenate(([0], np.cumsum(later)))]
    return out


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """True range of bars 1.. (greatest of high-low and the gaps from the previous close),
    with TA-Lib's comparisons so a NaN previous close is passed over as it is there."""
    greatest = high[1:] - low[1:]
    for gap in (np.abs(close[:-1] - high[1:]), np.abs(close[:-1] - low[1:])):
        np.copyto(greatest, gap, where=gap > greatest)
    return greatest


def _wilder_sum(step: FloatArray, n: int, keep: float) -> FloatArray:
    """Wilder's running total of step (bar i + 1): the first n - 1 summed, then prev*keep + x."""
    drive = step[n - 2 :].copy()
    drive[0] = step[: n - 1].sum()
    smoothed = np.empty(drive.size)
    recurrence_until_nan(drive, keep, smoothed)
    return smoothed
