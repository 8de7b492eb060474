"""The vectorised recurrence against the plain loop it replaces, including its scale and its
starting value, and its independence from the future down to the last bit."""

from __future__ import annotations

import numpy as np
import pytest

from app.indicators._kernels import linear_recurrence, weighted_window, window_sum


def loop(u: np.ndarray, a: float, scale: float, initial: float) -> np.ndarray:
    out, previous = np.empty(u.size), initial
    for t, value in enumerate(u):
        previous = a * previous + scale * value
        out[t] = previous
    return out


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 15, 16, 17, 255, 257, 32_768 + 3, 70_000])
@pytest.mark.parametrize(
    ("a", "scale", "initial"),
    [(0.9, 1.0, 0.0), (13 / 14, 1 / 14, 5.0), (1 / 3, 2 / 3, -2.5), (0.0, 0.5, 7.0)],
)
def test_recurrence_matches_the_loop(size: int, a: float, scale: float, initial: float) -> None:
    u = np.random.default_rng(size).random(size) + 0.5
    out = np.empty(size)
    linear_recurrence(u.copy(), a, out, scale, initial)
    np.testing.assert_allclose(out, loop(u, a, scale, initial), rtol=1e-12)


def test_recurrence_of_a_prefix_is_the_prefix_of_the_recurrence() -> None:
    u = np.random.default_rng(1).random(70_000)
    full = np.empty(u.size)
    linear_recurrence(u.copy(), 0.95, full, 0.05, 3.0)
    for cut in (1, 8, 9, 16, 17, 16_383, 16_384, 16_385, 32_767, 32_768, 32_769, 40_001, 65_537):
        head = np.empty(cut)
        linear_recurrence(u[:cut].copy(), 0.95, head, 0.05, 3.0)
        np.testing.assert_array_equal(head, full[:cut])


@pytest.mark.parametrize("n", [1, 2, 5, 20, 33])
@pytest.mark.parametrize("size", [0, 4, 20, 41, 100, 1024 * 40 + 7, 90_001])
def test_weighted_window_matches_the_direct_sums(n: int, size: int) -> None:
    x = np.random.default_rng(size + n).random(size) + 1.0
    weights = np.arange(n, 0, -1, dtype=np.float64) / (n * (n + 1) / 2)
    out = np.full(size, -1.0)
    weighted_window(x, weights, out)
    if size < n:
        return
    windows = np.lib.stride_tricks.sliding_window_view(x, n)
    np.testing.assert_allclose(out[n - 1 :], windows @ weights[::-1], rtol=1e-13)


def test_weighted_window_of_a_prefix_is_the_prefix_of_the_window() -> None:
    x = np.random.default_rng(2).random(90_001)
    weights = np.arange(20, 0, -1, dtype=np.float64) / 210
    full = np.empty(x.size)
    weighted_window(x, weights, full)
    for cut in (19, 20, 39, 40, 41, 40_959, 40_960, 40_961, 81_939):
        head = np.empty(cut)
        weighted_window(x[:cut], weights, head)
        np.testing.assert_array_equal(head[19:], full[19:cut])


@pytest.mark.parametrize("n", [1, 2, 7, 20, 200])
def test_window_sum_in_pieces_adds_like_one_pass(n: int) -> None:
    x = np.random.default_rng(n).random(3 * (1 << 16) + 11)
    out = np.empty(x.size - n + 1)
    window_sum(x, n, out, divisor=n)
    windows = np.lib.stride_tricks.sliding_window_view(x, n)
    np.testing.assert_allclose(out, windows.sum(axis=1) / n, rtol=1e-13)
    head = np.empty((1 << 16) + 5 - n + 1)
    window_sum(x[: (1 << 16) + 5], n, head, divisor=n)
    np.testing.assert_array_equal(head, out[: head.size])
