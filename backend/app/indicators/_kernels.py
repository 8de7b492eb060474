"""Vectorised building blocks (window sums, extremes, linear recurrences, weighted windows) that
keep indicators within a small factor of TA-Lib's C loops without a compiler."""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from app.indicators._scratch import scratch

FloatArray = NDArray[np.float64]

_CHUNK_ROWS = 1024  # rows per matrix product: a fixed shape makes BLAS round every row alike
PIECE = 1 << 16  # values per piece of a chain of passes that should stay in cache
# (block length, rows per product) of a recurrence's matrix form at each depth of its recursion
# on block ends: 8 x 8 products on tall chunks cost the least per value on the long series; the
# block ends (an eighth as many) take 16 x 16 ones, and ends of ends are few.
_SHAPE_BY_DEPTH = ((8, 4096), (16, _CHUNK_ROWS), (16, 64))


def window_sum(x: FloatArray, n: int, out: FloatArray, divisor: float = 1.0) -> None:
    """out[i] = sum(x[i : i + n]) / divisor for the len(x) - n + 1 full windows, built up along
    n's binary digits (double the width, or add one value) so a window of n costs about log2(n)
    passes, made piece by piece so that the passes run in cache. Each sum adds the same values
    in the same order wherever the pieces fall."""
    count = x.size - n + 1
    for first in range(0, count, PIECE):
        last = min(first + PIECE, count)
        _window_sum_piece(x[first : last + n - 1], n, out[first:last])
        if divisor != 1.0:
            out[first:last] /= divisor


def _window_sum_piece(x: FloatArray, n: int, out: FloatArray) -> None:
    """window_sum of one piece, without the divisor."""
    count = x.size - n + 1
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


def blocked_matmul(
    flat: FloatArray, matrix: FloatArray, out: FloatArray, rows: int = _CHUNK_ROWS
) -> None:
    """Rows of flat (width = the matrix's height, the last one zero-padded) times the matrix,
    into out (the product's rows laid end to end, cut to out's length). Products always run on
    the same number of rows, so BLAS rounds each row the same way whatever the length: cutting
    off the future never changes the past, not even by a rounding."""
    width, columns = matrix.shape
    span = rows * width
    direct = flat.size // span * span
    for first in range(0, direct, span):
        product = first // width * columns
        np.matmul(
            flat[first : first + span].reshape(rows, width),
            matrix,
            out=out[product : product + rows * columns].reshape(rows, columns),
        )
    rest = out.size - direct // width * columns
    if rest <= 0:
        return
    with scratch() as take:
        padded, solved = take(span), take(rows * columns)
        padded[: flat.size - direct] = flat[direct:]
        padded[flat.size - direct :] = 0.0
        np.matmul(padded.reshape(rows, width), matrix, out=solved.reshape(rows, columns))
        out[-rest:] = solved[:rest]


def linear_recurrence(
    u: FloatArray,
    a: float,
    out: FloatArray,
    scale: float = 1.0,
    initial: float = 0.0,
) -> None:
    """out[t] = a * out[t-1] + scale * u[t], where out[-1] is initial and scale is not 0; u is
    used as work space and left changed.

    Each block of values (8 or 16) is one row of a matrix product with a fixed square matrix of
    powers of a (the scale folded in). The value carried into a block (the previous block's end) is
    found first, from the blocks' weighted sums and the same recurrence on those, and added to
    the block's first input, so that one product gives the final values."""
    _solve(u, a, out, scale, initial, depth=0)


def _solve(
    u: FloatArray,
    a: float,
    out: FloatArray,
    scale: float,
    initial: float,
    depth: int,
) -> None:
    """linear_recurrence at a depth of its recursion on block ends, which fixes the height of
    its matrix products (short ones deep down, where the series are short)."""
    n = u.size
    if n == 0 or a == 0.0:
        np.multiply(u, scale, out=out[:n])
        return
    block, rows = _SHAPE_BY_DEPTH[min(depth, len(_SHAPE_BY_DEPTH) - 1)]
    carried = -(-n // block) - 1
    powers, last_column = _powers(a, scale, block)
    with scratch() as take:
        ends = take(carried + 1)
        ends[0] = initial
        if carried:
            sums = take(carried)
            blocked_matmul(u[: carried * block], last_column, sums, rows)
            _solve(sums, a**block, ends[1:], 1.0, initial, depth + 1)
        ends *= a / scale  # carried in as part of the first input, before it is scaled
        u[::block] += ends
    blocked_matmul(u, powers, out[:n], rows)


@functools.lru_cache(maxsize=256)
def _powers(a: float, scale: float, block: int) -> tuple[FloatArray, FloatArray]:
    """The block x block matrix of scale * a**(column - row) (zero below the diagonal) and its
    last column, built once per recurrence (indicators call with the same few periods)."""
    lag = np.arange(block)[None, :] - np.arange(block)[:, None]
    powers = np.where(lag >= 0, scale * a ** np.maximum(lag, 0).astype(np.float64), 0.0)
    last_column = np.ascontiguousarray(powers[:, -1:])
    powers.flags.writeable = last_column.flags.writeable = False
    return powers, last_column


def recurrence_until_nan(
    u: FloatArray, a: float, out: FloatArray, scale: float = 1.0, initial: float = 0.0
) -> None:
    """The recurrence as TA-Lib's loops compute it: a NaN poisons every later value."""
    nan_at = first_nan(u)
    linear_recurrence(u[:nan_at], a, out[:nan_at], scale, initial)
    out[nan_at : u.size] = np.nan


def first_nan(x: FloatArray) -> int:
    """Index of the first NaN in x, or len(x) when there is none."""
    if not x.size or not np.isnan(np.minimum.reduce(x)):  # min is NaN if any value is: one pass
        return x.size
    return int(np.flatnonzero(np.isnan(x))[0])


def weighted_window(x: FloatArray, weights: FloatArray, out: FloatArray) -> None:
    """out[t] = sum(weights[k] * x[t - k]) for t >= n - 1 (n = len(weights); out is as long as
    x and its first n - 1 values are left unspecified).

    A row of 2h inputs (h >= n - 1) holds every window ending in its second half, so one row
    times a 2h x h matrix of the weights gives those h outputs. Rows starting at even multiples
    of h and rows starting at odd ones are two plain reshapes of x: two matrix products give
    every output from bar h on, written straight into place."""
    n = weights.size
    if x.size < n:
        return
    half = max(8, -(-(n - 1) // 4) * 4)
    width = 2 * half
    lag = half + np.arange(half)[None, :] - np.arange(width)[:, None]  # output minus input
    matrix = np.where((lag >= 0) & (lag < n), weights[np.clip(lag, 0, n - 1)], 0.0)
    for t in range(n - 1, min(half, x.size)):  # the few outputs before the first second half
        out[t] = np.dot(x[t - n + 1 : t + 1], weights[::-1])
    for first in (0, half):
        if x.size > first + half:
            _second_halves(x[first:], matrix, out[first:])


def _second_halves(x: FloatArray, matrix: FloatArray, out: FloatArray) -> None:
    """Rows of x (width 2h, the last one zero-padded) times the 2h x h matrix, into the second
    half of each row's span of out; products always run on _CHUNK_ROWS rows, as in
    blocked_matmul, so that the future never changes the past's rounding."""
    width, half = matrix.shape
    whole = x.size // width
    direct = whole // _CHUNK_ROWS * _CHUNK_ROWS
    for first in range(0, direct, _CHUNK_ROWS):
        span = slice(first * width, (first + _CHUNK_ROWS) * width)
        np.matmul(
            x[span].reshape(_CHUNK_ROWS, width),
            matrix,
            out=out[span].reshape(_CHUNK_ROWS, width)[:, half:],
        )
    rest = x.size - direct * width
    if rest <= half:  # no output left: the last row's second half has not begun
        return
    with scratch() as take:
        padded, solved = take(_CHUNK_ROWS * width), take(_CHUNK_ROWS * half)
        padded[:rest] = x[direct * width :]
        padded[rest:] = 0.0
        np.matmul(padded.reshape(_CHUNK_ROWS, width), matrix, out=solved.reshape(_CHUNK_ROWS, half))
        rows = whole - direct
        tail = out[direct * width :]
        tail[: rows * width].reshape(rows, width)[:, half:] = solved[: rows * half].reshape(
            rows, half
        )
        last = tail[rows * width + half :]  # the part of a last, unfinished row
        last[:] = solved[rows * half : rows * half + last.size]
