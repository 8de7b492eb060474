"""MACD in one pass over the closes: the fast, slow and signal EMAs form one linear system, so
each block of 16 closes gives its 16 line and 16 signal values through two matrix products, plus
the three states carried into the block (found first, from the blocks' weighted sums)."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from app.indicators._kernels import FloatArray, linear_recurrence
from app.indicators._scratch import scratch

_BLOCK = 16
_ROWS = 2048  # rows per matrix product: a fixed shape makes BLAS round every row alike


class _System(NamedTuple):
    """How a block's outputs and end states follow from its closes and its starting states
    (fast EMA, slow EMA, signal EMA), as matrices: the 16 closes, then the 3 states, in rows,
    results in columns."""

    line: FloatArray  # 19 x 16
    signal: FloatArray  # 19 x 16
    ends: FloatArray  # 19 x 3


def macd_into(
    body: FloatArray,
    periods: tuple[int, int, int],
    line: FloatArray,
    signal: FloatArray,
    hist: FloatArray,
) -> None:
    """MACD of closes without NaN, longer than the lookback, into outputs as long as body
    (their warm-up left alone). periods is (fast, slow, signal), fast <= slow.

    TA-Lib's seeds: both EMAs start at bar slow - 1, each with the SMA of its period ending
    there; the signal EMA starts signal - 1 bars later with the SMA of the line so far."""
    fast_n, slow_n, signal_n = periods
    rates = tuple(2.0 / (n + 1) for n in periods)
    seed_at = slow_n - 1
    fast = body[seed_at - fast_n + 1 : seed_at + 1].sum() / fast_n
    slow = body[:slow_n].sum() / slow_n
    line_total = fast - slow
    for close in body[seed_at + 1 : seed_at + signal_n].tolist():
        fast = (1.0 - rates[0]) * fast + rates[0] * close
        slow = (1.0 - rates[1]) * slow + rates[1] * close
        line_total += fast - slow
    trigger = line_total / signal_n
    first = seed_at + signal_n - 1
    line[first], signal[first] = fast - slow, trigger
    hist[first] = line[first] - trigger
    after = slice(first + 1, body.size)
    _blocks(
        body[after], _system(rates), (fast, slow, trigger), line[after], signal[after], hist[after]
    )


def _blocks(
    u: FloatArray,
    system: _System,
    states: tuple[float, float, float],
    line: FloatArray,
    signal: FloatArray,
    hist: FloatArray,
) -> None:
    """The system run over u from the given states, in blocks of 16 closes."""
    rows = -(-u.size // _BLOCK)
    if not rows:
        return
    with scratch() as take:
        starts = take(3 * rows).reshape(3, rows)  # the states each block starts from
        starts[:, 0] = states
        _block_starts(u, system, starts)
        span = _ROWS * _BLOCK
        inputs = take(_ROWS * (_BLOCK + 3)).reshape(_ROWS, _BLOCK + 3)  # closes, then states
        for first in range(0, rows, _ROWS):
            last = min(first + _ROWS, rows)
            values = slice(first * _BLOCK, last * _BLOCK)
            padded = last - first < _ROWS or values.stop > u.size
            if not padded:
                inputs[:, :_BLOCK] = u[values].reshape(_ROWS, _BLOCK)
                inputs[:, _BLOCK:] = starts[:, first:last].T
                outputs = (line[values], signal[values], hist[values])
            else:  # the last rows, zero-padded to the fixed height
                inputs[:, :_BLOCK] = _padded(u[values.start :], span, take).reshape(_ROWS, _BLOCK)
                inputs[:, _BLOCK:] = 0.0
                inputs[: last - first, _BLOCK:] = starts[:, first:last].T
                outputs = (take(span), take(span), take(span))
            shaped = [array.reshape(_ROWS, _BLOCK) for array in outputs]
            np.matmul(inputs, system.line, out=shaped[0])
            np.matmul(inputs, system.signal, out=shaped[1])
            np.subtract(shaped[0], shaped[1], out=shaped[2])
            if padded:
                for target, solved in zip((line, signal, hist), outputs, strict=True):
                    target[values.start :] = solved[: u.size - values.start]


def _block_starts(u: FloatArray, system: _System, starts: FloatArray) -> None:
    """Fill starts[:, 1:] (one row per state) with the states at the end of each block before:
    each EMA's end is its own recurrence over the blocks' sums, the signal's also takes in the
    fast and slow states each block started from."""
    carried = starts.shape[1] - 1
    if not carried:
        return
    states_to_ends = system.ends[_BLOCK:]
    decay = np.diagonal(states_to_ends)
    with scratch() as take:
        sums = take(3 * carried).reshape(3, carried)
        weights = np.ascontiguousarray(system.ends[:_BLOCK].T)
        for first in range(0, carried, _ROWS):
            last = min(first + _ROWS, carried)
            if last - first == _ROWS:
                closes = u[first * _BLOCK : last * _BLOCK]
                np.matmul(weights, closes.reshape(_ROWS, _BLOCK).T, out=sums[:, first:last])
            else:  # the same product shape for the last rows, zero-padded
                closes = _padded(u[first * _BLOCK : last * _BLOCK], _ROWS * _BLOCK, take)
                solved = take(3 * _ROWS).reshape(3, _ROWS)
                np.matmul(weights, closes.reshape(_ROWS, _BLOCK).T, out=solved)
                sums[:, first:last] = solved[:, : last - first]
        for state in (0, 1):  # the fast and the slow EMA
            linear_recurrence(
                sums[state], float(decay[state]), starts[state, 1:], 1.0, starts[state, 0]
            )
        for state in (0, 1):
            sums[2] += states_to_ends[state, 2] * starts[state, :-1]
        linear_recurrence(sums[2], float(decay[2]), starts[2, 1:], 1.0, starts[2, 0])


def _padded(values: FloatArray, size: int, take: Callable[[int], FloatArray]) -> FloatArray:
    """values followed by zeros up to size, in a work buffer."""
    padded = take(size)
    padded[: values.size] = values
    padded[values.size :] = 0.0
    return padded


@lru_cache(maxsize=64)
def _system(rates: tuple[float, ...]) -> _System:
    """The block matrices for these EMA rates, found by running the system over one block from
    each unit close and each unit starting state."""
    fast_rate, slow_rate, signal_rate = rates
    lanes = _BLOCK + 3
    closes = np.eye(lanes, _BLOCK)
    fast, slow, trigger = (np.eye(lanes)[:, _BLOCK + state].copy() for state in range(3))
    line_out, signal_out = np.empty((lanes, _BLOCK)), np.empty((lanes, _BLOCK))
    for t in range(_BLOCK):
        fast = (1.0 - fast_rate) * fast + fast_rate * closes[:, t]
        slow = (1.0 - slow_rate) * slow + slow_rate * closes[:, t]
        trigger = (1.0 - signal_rate) * trigger + signal_rate * (fast - slow)
        line_out[:, t], signal_out[:, t] = fast - slow, trigger
    ends = np.stack((fast, slow, trigger), axis=1)
    system = _System(*(np.ascontiguousarray(matrix) for matrix in (line_out, signal_out, ends)))
    for matrix in system:
        matrix.flags.writeable = False  # shared by every call through the cache
    return system
