"""Volume indicators, computed as TA-Lib does."""

from __future__ import annotations

import numpy as np

from app.indicators._inputs import aligned, first_complete, nan_array
from app.indicators._kernels import FloatArray


def obv(close: object, volume: object) -> FloatArray:
    """On-balance volume: starts at the first volume, adds it on up closes, subtracts on down."""
    closes, volumes = aligned(close=close, volume=volume)
    out = nan_array(closes.size)
    start = first_complete(closes, volumes)
    if start == closes.size:
        return out
    c, v = closes[start:], volumes[start:]
    rise, fall = c[1:] > c[:-1], c[1:] < c[:-1]
    step = np.empty(c.size)
    step[0] = v[0]
    step[1:] = np.where(rise, v[1:], np.where(fall, -v[1:], 0.0))
    np.cumsum(step, out=out[start:])
    return out
