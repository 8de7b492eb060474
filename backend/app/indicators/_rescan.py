"""Where TA-Lib's running extreme turns NaN: its STOCH keeps the index of the lowest low (and
highest high) and rescans the window only when that index falls out; a rescan seeded on a NaN
bar stays NaN (every comparison with NaN is false), which a plain rolling minimum never shows."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.indicators._kernels import FloatArray


def nan_rescans(x: FloatArray, n: int) -> NDArray[np.intp]:
    """Windows x[i : i + n] whose TA-Lib minimum is NaN (negate x for the maximum).

    Only the stretches that lead up to a NaN bar are replayed, each from the closest earlier
    window with one clear minimum (its tracked index is then certain) when there is one."""
    count = x.size - n + 1
    holes = np.flatnonzero(np.isnan(x[: max(count, 0)]))
    found: list[int] = []
    known, index, lowest = -1, -1, np.nan  # window whose tracked state is (index, lowest)
    for hole in holes.tolist():
        anchor = hole - n
        if anchor > known and _single_minimum(x[anchor : anchor + n]):
            known = anchor
            index = anchor + int(np.argmin(x[anchor : anchor + n]))
            lowest = x[index]
        for window in range(known + 1, hole + 1):
            today = window + n - 1
            if index < window:
                index, lowest = _rescan(x, window, today)
                if np.isnan(lowest):
                    found.append(window)
            elif x[today] <= lowest:
                index, lowest = today, x[today]
        known = hole
    return np.array(found, dtype=np.intp)


def _rescan(x: FloatArray, first: int, last: int) -> tuple[int, float]:
    """TA-Lib's search from the window's first bar: the earliest strict minimum, NaN bars passed
    over, or the NaN itself when the search starts on one."""
    if np.isnan(x[first]):
        return first, float("nan")
    index = first + int(np.nanargmin(x[first : last + 1]))
    return index, float(x[index])


def _single_minimum(window: FloatArray) -> bool:
    """True when the window has no NaN and its minimum occurs once."""
    smallest = window.min()
    return not np.isnan(smallest) and int(np.count_nonzero(window == smallest)) == 1
