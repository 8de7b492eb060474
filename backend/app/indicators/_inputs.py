"""Argument checking shared by every indicator, so bad input fails with the argument's name."""

from __future__ import annotations

import math
import numbers

import numpy as np

from app.indicators._kernels import FloatArray


def series(name: str, values: object) -> FloatArray:
    """A one-dimensional float64 array, or a ValueError naming the argument."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a one-dimensional numeric array: {exc}") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got {array.ndim} dimensions")
    if array.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be numeric, got values of type {array.dtype}")
    return np.ascontiguousarray(array, dtype=np.float64)


def aligned(**named: object) -> tuple[FloatArray, ...]:
    """Several series of one length (a ValueError names the first that differs)."""
    arrays = tuple(series(name, values) for name, values in named.items())
    names = list(named)
    for name, array in zip(names[1:], arrays[1:], strict=True):
        if array.size != arrays[0].size:
            raise ValueError(
                f"{name} has {array.size} values but {names[0]} has {arrays[0].size}; "
                "they must have the same length"
            )
    return arrays


def bars(name: str, value: object, minimum: int = 1) -> int:
    """A whole number of bars of at least minimum, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def positive_number(name: str, value: object) -> float:
    """A finite number greater than zero, or a ValueError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number greater than 0, got {value}")
    return number


def first_complete(*arrays: FloatArray) -> int:
    """Index of the first bar where no input is NaN (TA-Lib skips leading NaN the same way)."""
    if not any(np.isnan(array[0]) for array in arrays if array.size):
        return 0
    complete = ~np.isnan(arrays[0])
    for array in arrays[1:]:
        complete &= ~np.isnan(array)
    hits = np.flatnonzero(complete)
    return int(hits[0]) if hits.size else arrays[0].size


def nan_array(size: int) -> FloatArray:
    """The output shape of every indicator before its values are written."""
    return np.full(size, np.nan)


def warming_up(size: int, known_from: int) -> FloatArray:
    """An output whose values before known_from are NaN (the warm-up) and whose later values
    the caller writes: one pass less than filling it all with NaN first."""
    out = np.empty(size)
    out[:known_from] = np.nan
    return out
