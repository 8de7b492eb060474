"""Vectorised building blocks (window sums, extremes, linear recurrences, weighted windows) that
keep indicators within a small factor of TA-Lib's C loops without a compiler."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from app.indicators._scratch import scratch

FloatArray = NDArray[np.float64]

_BLOCK = 16  # block length of the matrix form of a recurrence: small keeps the flops low
_CHUNK_ROWS = 1024  # rows per matrix product: a fixed shape makes BLAS round every row alike


def window_sum(x: FloatArray, n: int, out: FloatArray) -> None:
    """out[i] = sum(x[i : i + n]) for the len(x) - n + 1 full windows, built up along n's binary
    digits (double the width, or add one value) so a window of n costs about log2(n) passes."""
    count = x.size - n + 1
    if count <= 0:
        return
    digits = bin(n)[3:]
    if not digits:
        out[:count] = x[:count]
        return
    steps = _steps(digits)
    with scratch() as take:
        buffers = (take(x.size), take(x.size))
        current, width = x, 1
        for index, step in enumerate(steps):
            new_width = width * 2 if step == "double" else width + 1
            size = x.size - new_width + 1
            target = out[:count] if index == len(steps) - 1 else buffers[index % 2][:size]
            addend = current[width : width + size] if step == "double" else x[width : width + size]
            np.add(current[:size], addend, out=target)
            current, width = target, new_width


def _steps(digits: str) -> list[str]:
    """How a window of width 1 grows to n (binary digits after the leading 1): double per digit,
    then add one value when the digit is 1."""
    return [step for digit in digits for step in ("double", "one")[: 1 + (digit == "1")]]


def window_extreme(x: FloatArray, n: int, op: np.ufunc, out: FloatArray) -> None:
    """out[i] = op-reduction of x[i : i + n] for a max or min ufunc (np.fmax ignores NaN)."""
    count = x.size - n + 1
    if count <= 0:
        return
    with scratch() as take:
        buffers = (take(x.size), take(x.size))
        power, width, flip = x, 1, 0
        while width * 2 <= n:
            target = buffers[flip][: power.size - width]
            op(power[:-width], power[width:], out=target)
            power, width, flip = target, width * 2, 1 - flip
        op(power[:count], power[n - width : n - width + count], out=out[:count])


def blocked_matmul(flat: FloatArray, matrix: FloatArray, out: FloatArray) -> None:
    """Rows of flat (width = matrix size, the last one zero-padded) times a square matrix, into
    out (as long as flat). Products always run on _CHUNK_ROWS rows, so BLAS rounds each row
    the same way whatever the length: cutting off the future never changes the past, not even
    by a rounding."""
    width = matrix.shape[0]
    span = _CHUNK_ROWS * width
    direct = flat.size // span * span
    for first in range(0, direct, span):
        np.matmul(
            flat[first : first + span].reshape(_CHUNK_ROWS, width),
            matrix,
            out=out[first : first + span].reshape(_CHUNK_ROWS, width),
        )
    rest = flat.size - direct
    if not rest:
        return
    with scratch() as take:
        padded, solved = take(span), take(span)
        padded[:rest] = flat[direct:]
        padded[rest:] = 0.0
        np.matmul(
            padded.reshape(_CHUNK_ROWS, width), matrix, out=solved.reshape(_CHUNK_ROWS, width)
        )
        out[direct:] = solved[:rest]


def linear_recurrence(u: FloatArray, a: float, out: FloatArray) -> None:
    """out[0] = u[0], out[t] = a * out[t-1] + u[t].

    Blocks of 16 values are solved at once as rows of a matrix product with a fixed 16 x 16
    matrix of powers of a; then each block adds its predecessor's carried end value."""
    n = u.size
    if n == 0 or a == 0.0:
        out[:n] = u
        return
    lag = np.arange(_BLOCK)[None, :] - np.arange(_BLOCK)[:, None]
    powers = np.where(lag >= 0, a ** np.maximum(lag, 0).astype(np.float64), 0.0)
    blocked_matmul(u, powers, out[:n])
    if n <= _BLOCK:
        return
    whole_rows = n // _BLOCK
    rows = out[: whole_rows * _BLOCK].reshape(whole_rows, _BLOCK)
    ends = np.empty(-(-n // _BLOCK) - 1)
    linear_recurrence(np.ascontiguousarray(rows[: ends.size, -1]), a**_BLOCK, ends)
    carry = a ** np.arange(1, _BLOCK + 1, dtype=np.float64)
    carries = np.tile(carry, (_CHUNK_ROWS, 1))  # contiguous rows multiply faster than a broadcast
    with scratch() as take:
        buffer = take(_CHUNK_ROWS * _BLOCK).reshape(_CHUNK_ROWS, _BLOCK)
        for first in range(1, whole_rows, _CHUNK_ROWS):
            last = min(first + _CHUNK_ROWS, whole_rows)
            added = buffer[: last - first]
            np.multiply(carries[: last - first], ends[first - 1 : last - 1, None], out=added)
            rows[first:last] += added
    tail = n - whole_rows * _BLOCK
    if tail:
        out[whole_rows * _BLOCK : n] += ends[-1] * carry[:tail]


def recurrence_until_nan(u: FloatArray, a: float, out: FloatArray) -> None:
    """The recurrence as TA-Lib's loops compute it: a NaN poisons every later value."""
    nan_at = first_nan(u)
    linear_recurrence(u[:nan_at], a, out[:nan_at])
    out[nan_at : u.size] = np.nan


def first_nan(x: FloatArray) -> int:
    """Index of the first NaN in x, or len(x) when there is none."""
    total = np.add.reduce(x)
    if total == total:  # a NaN anywhere makes the sum NaN: the common case needs one pass
        return x.size
    hits = np.flatnonzero(np.isnan(x))
    return int(hits[0]) if hits.size else x.size


def weighted_window(x: FloatArray, weights: FloatArray, out: FloatArray) -> None:
    """out[t] = sum(weights[k] * x[t - k]) for t >= n - 1 (n = len(weights); out is as long as
    x and its first n - 1 values are left unspecified). A block of outputs is its own block of
    inputs and the previous one, each times a Toeplitz matrix of the weights."""
    n = weights.size
    if x.size < n:
        return
    block = max(_BLOCK, -(-(n - 1) // 8) * 8)
    lag = np.arange(block)[None, :] - np.arange(block)[:, None]  # output j minus input i
    own = np.where((lag >= 0) & (lag < n), weights[np.clip(lag, 0, n - 1)], 0.0)
    prior = np.where(lag + block < n, weights[np.clip(lag + block, 0, n - 1)], 0.0)
    blocked_matmul(x, own, out)
    whole = min(x.size // block, -(-x.size // block) - 1) * block  # inputs with a next block
    if not whole:
        return
    with scratch() as take:
        spill = take(whole)
        blocked_matmul(x[:whole], prior, spill)
        out[block : block + whole] += spill[: x.size - block]
