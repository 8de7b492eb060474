"""Volume indicators, computed as TA-Lib does."""

from __future__ import annotations

import numpy as np

from app.indicators._inputs import aligned, first_complete, nan_array
from app.indicators._kernels import FloatArray
from app.indicators._scratch import scratch


def obv(close: object, volume: object) -> FloatArray:
    """On-balance volume: starts at the first volume, adds it on up closes, subtracts on down."""
    closes, volumes = aligned(close=close, volume=volume)
    out = nan_array(closes.size)
    start = first_complete(closes, volumes)
    if start == closes.size:
        return out
    c, v = closes[start:], volumes[start:]
    with scratch() as take:
        step = take(c.size)
        change = step[1:]
        np.subtract(c[1:], c[:-1], out=change)
        # +1 up, -1 down, 0 unchanged or NaN: TA-Lib's comparisons fail on NaN the same way
        direction = (change > 0).view(np.int8) - (change < 0).view(np.int8)
        np.multiply(v[1:], direction, out=change)
        if np.isnan(np.minimum.reduce(v)):
            change[direction == 0] = 0.0  # an unused volume may be NaN: it is never added
        step[0] = v[0]
        np.cumsum(step, out=out[start:])
    return out
