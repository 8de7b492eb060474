"""Indicators of the bar's range (true range, ATR, ADX), computed as TA-Lib does."""

from __future__ import annotations

import numpy as np

from app.indicators._inputs import aligned, bars, first_complete, nan_array, warming_up
from app.indicators._kernels import PIECE, FloatArray, linear_recurrence, recurrence_until_nan
from app.indicators._scratch import scratch

# bars per piece of ATR's true range and smoothing: a few cache-sized pieces of true range and
# as few passes of the recurrence's Python overhead as that allows
_SMOOTHED_PIECE = 1 << 18


def atr(high: object, low: object, close: object, period: int = 14) -> FloatArray:
    """Average true range with Wilder's smoothing."""
    highs, lows, closes = aligned(high=high, low=low, close=close)
    n = bars("period", period)
    start = first_complete(highs, lows, closes)
    if closes.size - start <= n:
        return nan_array(closes.size)
    out = warming_up(closes.size, start + n)
    h, lo, c = highs[start:], lows[start:], closes[start:]
    if not _smoothed_true_range(h, lo, c, n, out[start + n :]):
        with scratch() as take:
            ranges = take(h.size - 1)
            _true_range_with_nan(h, lo, c, ranges)
            out[start + n] = seed = ranges[:n].sum() / n
            recurrence_until_nan(ranges[n:], (n - 1) / n, out[start + n + 1 :], 1 / n, seed)
    return out


def _smoothed_true_range(
    high: FloatArray, low: FloatArray, close: FloatArray, n: int, out: FloatArray
) -> bool:
    """ATR from bar n on into out, a piece of bars at a time: each piece's true range is
    smoothed while it is still in cache. False (out left unfinished) when a range is NaN."""
    with scratch() as take:
        ranges = take(max(n, min(_SMOOTHED_PIECE, out.size - 1)))
        if not true_range_into(high[: n + 1], low[: n + 1], close[: n + 1], ranges[:n]):
            return False
        out[0] = carried = ranges[:n].sum() / n
        later = out[1:]
        for first in range(0, later.size, _SMOOTHED_PIECE):
            last = min(first + _SMOOTHED_PIECE, later.size)
            piece, span = ranges[: last - first], slice(n + first, n + last + 1)
            if not true_range_into(high[span], low[span], close[span], piece):
                return False
            linear_recurrence(piece, (n - 1) / n, later[first:last], 1 / n, carried)
            carried = later[last - 1]
    return True


def adx(high: object, low: object, close: object, period: int = 14) -> FloatArray:
    """Average directional index: Wilder-smoothed DX of the +DI/-DI pair."""
    highs, lows, closes = aligned(high=high, low=low, close=close)
    n = bars("period", period, minimum=2)
    out = nan_array(closes.size)
    start = first_complete(highs, lows, closes)
    h, lo, c = highs[start:], lows[start:], closes[start:]
    if h.size < 2 * n:
        return out
    with scratch() as take:
        up, down = take(h.size - 1), take(h.size - 1)
        np.subtract(h[1:], h[:-1], out=up)
        np.subtract(lo[:-1], lo[1:], out=down)
        minus_move = (down > 0) & (up < down)
        plus_move = (up > 0) & (up > down)
        plus_move &= ~minus_move
        # a move that fails its test counts as 0, a NaN move too (TA-Lib's comparisons fail)
        np.multiply(up, plus_move, out=up)
        np.fmax(up, 0.0, out=up)
        np.multiply(down, minus_move, out=down)
        np.fmax(down, 0.0, out=down)
        keep = 1.0 - 1.0 / n
        size = h.size - n + 1  # smoothed values from bar n - 1; bar n on are used
        plus_dm, minus_dm, ranges = take(size), take(size), take(size)
        _wilder_sum(up, n, keep, plus_dm)
        _wilder_sum(down, n, keep, minus_dm)
        true_range_into(h, lo, c, up)
        _wilder_sum(up, n, keep, ranges)
        # From here on, index i means bar n + i.
        plus_dm, minus_dm, ranges = plus_dm[1:], minus_dm[1:], ranges[1:]
        # TA-Lib skips a bar whose value is exactly zero or NaN (its comparisons fail on NaN)
        counted = np.abs(ranges) > 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            np.divide(minus_dm, ranges, out=minus_dm)
            minus_dm *= 100.0
            np.divide(plus_dm, ranges, out=plus_dm)
            plus_dm *= 100.0
            di_sum = ranges  # reuse: the ranges are no longer needed
            np.add(minus_dm, plus_dm, out=di_sum)
            counted &= np.abs(di_sum) > 0.0
            dx = minus_dm
            np.subtract(minus_dm, plus_dm, out=dx)
            np.abs(dx, out=dx)
            np.divide(dx, di_sum, out=dx)
            dx *= 100.0
        seed = np.where(counted[:n], dx[:n], 0.0).sum() / n
        later = counted[n:]
        if later.all():
            out[start + 2 * n - 1] = seed
            recurrence_until_nan(dx[n:], (n - 1) / n, out[start + 2 * n :], 1 / n, seed)
            return out
        drive = np.concatenate(([seed], dx[n:][later] / n))
        smoothed = np.empty(drive.size)
        recurrence_until_nan(drive, (n - 1) / n, smoothed)
        # a bar whose DX does not count keeps the previous ADX
        out[start + 2 * n - 1 :] = smoothed[np.concatenate(([0], np.cumsum(later)))]
    return out


def true_range(high: FloatArray, low: FloatArray, close: FloatArray) -> FloatArray:
    """True range of bars 1.. (greatest of high-low and the gaps from the previous close)."""
    out = np.empty(high.size - 1)
    true_range_into(high, low, close, out)
    return out


def true_range_into(high: FloatArray, low: FloatArray, close: FloatArray, out: FloatArray) -> bool:
    """True range of bars 1.. into out, as max(high, previous close) - min(low, previous close),
    the same single subtraction TA-Lib ends up making; True when no value is NaN.

    Pieces small enough to stay in cache: NaN-propagating max and min, then a check that the
    piece has no NaN. Only when one has: like TA-Lib, a NaN previous close is passed over
    (fmax/fmin) and a NaN high or low makes the bar's range NaN."""
    with scratch() as take:
        ceiling, floor = take(PIECE), take(PIECE)
        for first in range(0, out.size, PIECE):
            last = min(first + PIECE, out.size)
            top, bottom = ceiling[: last - first], floor[: last - first]
            np.maximum(high[first + 1 : last + 1], close[first:last], out=top)
            np.minimum(low[first + 1 : last + 1], close[first:last], out=bottom)
            np.subtract(top, bottom, out=out[first:last])
            if np.isnan(np.minimum.reduce(out[first:last])):
                _true_range_with_nan(high, low, close, out)
                return False
    return True


def _true_range_with_nan(
    high: FloatArray, low: FloatArray, close: FloatArray, out: FloatArray
) -> None:
    """true_range_into for inputs holding NaN, with TA-Lib's treatment of each."""
    with scratch() as take:
        floor = take(out.size)
        np.fmax(high[1:], close[:-1], out=out)
        np.fmin(low[1:], close[:-1], out=floor)
        out -= floor
        np.subtract(high[1:], low[1:], out=floor)
        floor *= 0.0  # NaN where high - low is NaN, else 0
        out += floor


def _wilder_sum(step: FloatArray, n: int, keep: float, out: FloatArray) -> None:
    """Wilder's running total of step (bar i + 1): the first n - 1 summed, then prev*keep + x
    (step is used as work space)."""
    seed = step[: n - 1].sum()
    out[0] = seed
    recurrence_until_nan(step[n - 1 :], keep, out[1:], initial=seed)
