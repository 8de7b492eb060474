"""Every indicator against TA-Lib: same numbers to 1e-9 relative, NaN exactly where TA-Lib has
none, on random walks, flat series, price gaps and inputs with NaN."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import talib

from app import indicators
from app.indicators import ranges

Ohlcv = dict[str, np.ndarray]
SIZE = 1500


def random_walk(seed: int) -> Ohlcv:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, SIZE)))
    spread = rng.random((2, SIZE)) * 0.01
    volume = rng.integers(100, 10_000, SIZE).astype(np.float64)
    return {
        "high": close * (1 + spread[0]),
        "low": close * (1 - spread[1]),
        "close": close,
        "volume": volume,
    }


def flat() -> Ohlcv:
    bars = {name: np.full(SIZE, 42.5) for name in ("high", "low", "close")}
    return bars | {"volume": np.full(SIZE, 1000.0)}


def gaps() -> Ohlcv:
    """Flat stretches broken by jumps of 20%, like a thin stock over a news day."""
    bars = random_walk(3)
    level = np.repeat(100 * 1.2 ** np.arange(SIZE // 100), 100)
    for name in ("high", "low", "close"):
        bars[name][300:600] = level[300:600]
    return bars


def with_nan(bars: Ohlcv, leading: int, holes: list[int], names: tuple[str, ...]) -> Ohlcv:
    bars = {name: values.copy() for name, values in bars.items()}
    for name in names:
        bars[name][:leading] = np.nan
        bars[name][holes] = np.nan
    return bars


ALL = ("high", "low", "close", "volume")
DATASETS: dict[str, Ohlcv] = {
    "random_walk": random_walk(1),
    "flat": flat(),
    "gaps": gaps(),
    "leading_nan": with_nan(random_walk(2), 7, [], ALL),
    "bars_missing": with_nan(random_walk(4), 3, [400, 401, 900], ALL),
    "close_missing": with_nan(random_walk(5), 0, [250, 700], ("close",)),
    "volume_missing": with_nan(random_walk(6), 0, [333], ("volume",)),
    # A NaN high or low that leaves the window while it would seed TA-Lib's search for a new
    # extreme (its STOCH then gives NaN for that bar), at several offsets and in pairs.
    **{
        f"gaps_{'_'.join(names)}_missing_at_{'_'.join(map(str, holes))}": with_nan(
            gaps(), 0, holes, names
        )
        for names in (ALL, ("high",), ("low",), ("high", "low"))
        for holes in ([1200], [1201], [1213], [1200, 1201], [1200, 1205])
    },
    "flat_low_missing": with_nan(flat(), 0, [700, 702, 703], ("low",)),
}

Pair = tuple[Callable[[Ohlcv], object], Callable[[Ohlcv], object]]
CASES: dict[str, Pair] = {
    "sma_1": (lambda b: indicators.sma(b["close"], 1), lambda b: talib.SMA(b["close"], 1)),
    "sma_20": (lambda b: indicators.sma(b["close"], 20), lambda b: talib.SMA(b["close"], 20)),
    "sma_200": (lambda b: indicators.sma(b["close"], 200), lambda b: talib.SMA(b["close"], 200)),
    "ema_1": (lambda b: indicators.ema(b["close"], 1), lambda b: talib.EMA(b["close"], 1)),
    "ema_10": (lambda b: indicators.ema(b["close"], 10), lambda b: talib.EMA(b["close"], 10)),
    "ema_100": (lambda b: indicators.ema(b["close"], 100), lambda b: talib.EMA(b["close"], 100)),
    "wma_1": (lambda b: indicators.wma(b["close"], 1), lambda b: talib.WMA(b["close"], 1)),
    "wma_7": (lambda b: indicators.wma(b["close"], 7), lambda b: talib.WMA(b["close"], 7)),
    "wma_30": (lambda b: indicators.wma(b["close"], 30), lambda b: talib.WMA(b["close"], 30)),
    "rsi_14": (lambda b: indicators.rsi(b["close"]), lambda b: talib.RSI(b["close"], 14)),
    "rsi_2": (lambda b: indicators.rsi(b["close"], 2), lambda b: talib.RSI(b["close"], 2)),
    "macd": (lambda b: indicators.macd(b["close"]), lambda b: talib.MACD(b["close"], 12, 26, 9)),
    "macd_swapped": (
        lambda b: indicators.macd(b["close"], 20, 5, 1),
        lambda b: talib.MACD(b["close"], 20, 5, 1),
    ),
    "bollinger": (
        lambda b: indicators.bollinger(b["close"]),
        lambda b: talib.BBANDS(b["close"], 20, 2.0, 2.0, 0),
    ),
    "bollinger_1sd": (
        lambda b: indicators.bollinger(b["close"], 10, 1.0),
        lambda b: talib.BBANDS(b["close"], 10, 1.0, 1.0, 0),
    ),
    "atr_14": (
        lambda b: indicators.atr(b["high"], b["low"], b["close"]),
        lambda b: talib.ATR(b["high"], b["low"], b["close"], 14),
    ),
    "atr_1": (
        lambda b: indicators.atr(b["high"], b["low"], b["close"], 1),
        lambda b: talib.ATR(b["high"], b["low"], b["close"], 1),
    ),
    "stoch": (
        lambda b: indicators.stoch(b["high"], b["low"], b["close"]),
        lambda b: talib.STOCH(b["high"], b["low"], b["close"], 5, 3, 0, 3, 0),
    ),
    "stoch_14_1_4": (
        lambda b: indicators.stoch(b["high"], b["low"], b["close"], 14, 1, 4),
        lambda b: talib.STOCH(b["high"], b["low"], b["close"], 14, 1, 0, 4, 0),
    ),
    "stoch_3_1_1": (
        lambda b: indicators.stoch(b["high"], b["low"], b["close"], 3, 1, 1),
        lambda b: talib.STOCH(b["high"], b["low"], b["close"], 3, 1, 0, 1, 0),
    ),
    "stoch_1_2_2": (
        lambda b: indicators.stoch(b["high"], b["low"], b["close"], 1, 2, 2),
        lambda b: talib.STOCH(b["high"], b["low"], b["close"], 1, 2, 0, 2, 0),
    ),
    "adx_14": (
        lambda b: indicators.adx(b["high"], b["low"], b["close"]),
        lambda b: talib.ADX(b["high"], b["low"], b["close"], 14),
    ),
    "adx_5": (
        lambda b: indicators.adx(b["high"], b["low"], b["close"], 5),
        lambda b: talib.ADX(b["high"], b["low"], b["close"], 5),
    ),
    "obv": (
        lambda b: indicators.obv(b["close"], b["volume"]),
        lambda b: talib.OBV(b["close"], b["volume"]),
    ),
}


def assert_same(ours: np.ndarray, theirs: np.ndarray, scale: float) -> None:
    """NaN in the same places; elsewhere 1e-9 relative. Values that are differences of nearly
    equal numbers (MACD near a crossing) get an absolute floor of 1e-12 of the input's scale."""
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    known = ~np.isnan(theirs)
    np.testing.assert_allclose(ours[known], theirs[known], rtol=1e-9, atol=1e-12 * scale)


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("case", CASES)
def test_matches_talib(case: str, dataset: str) -> None:
    bars = DATASETS[dataset]
    ours_fn, theirs_fn = CASES[case]
    ours, theirs = ours_fn(bars), theirs_fn(bars)
    several = isinstance(theirs, tuple | list)
    outputs = zip(ours, theirs, strict=True) if several else [(ours, theirs)]
    scale = float(np.nanmax(np.abs(bars["close"])))
    if case == "obv":
        scale = float(np.nansum(np.abs(bars["volume"])))
    compared = 0
    for ours_values, theirs_values in outputs:
        assert_same(np.asarray(ours_values), np.asarray(theirs_values), scale)
        compared += int((~np.isnan(theirs_values)).sum())
    assert compared > 0, "TA-Lib gave no number at all: the case proves nothing"


@pytest.mark.parametrize("case", ["bollinger", "bollinger_1sd"])
def test_bollinger_flat_windows_before_a_nan_have_no_width(case: str) -> None:
    bars = with_nan(gaps(), 0, [1200], ALL)  # flat windows at 300-600, the NaN far later
    ours_fn, theirs_fn = CASES[case]
    ours, theirs = ours_fn(bars), theirs_fn(bars)
    assert np.count_nonzero(np.asarray(theirs[0]) == np.asarray(theirs[1])) > 100
    for ours_values, theirs_values in zip(ours, theirs, strict=True):
        assert_same(np.asarray(ours_values), np.asarray(theirs_values), 1000.0)


@pytest.mark.parametrize("size", [0, 1, 5, 26, 33])
def test_short_input_is_all_nan_like_talib(size: int) -> None:
    close = 100 + np.arange(size, dtype=np.float64)
    for ours, theirs in zip(indicators.macd(close), talib.MACD(close), strict=True):
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs))
    np.testing.assert_array_equal(np.isnan(indicators.rsi(close)), np.isnan(talib.RSI(close)))


def test_integer_input_is_accepted_as_float() -> None:
    close = np.arange(1, 50)
    np.testing.assert_allclose(indicators.sma(close, 3)[2:], talib.SMA(close * 1.0, 3)[2:])


def test_obv_skips_a_nan_volume_on_an_unchanged_close_like_talib() -> None:
    close = np.array([1.0, 2.0, 2.0, 3.0, 2.0])
    volume = np.array([10.0, 20.0, np.nan, 40.0, 50.0])
    expected = talib.OBV(close, volume)
    assert expected.tolist() == [10.0, 30.0, 30.0, 70.0, 20.0]
    np.testing.assert_array_equal(indicators.obv(close, volume), expected)


LONG_WALK = {  # longer than one fixed-size chunk of matrix rows (4096 x 8 values)
    name: np.concatenate([random_walk(seed)[name] * 1.01**seed for seed in range(30)])
    for name in ("high", "low", "close", "volume")
}


@pytest.mark.parametrize("case", CASES)
def test_cutting_off_the_future_leaves_the_past_bit_for_bit(case: str) -> None:
    bars = LONG_WALK
    ours_fn = CASES[case][0]
    full = ours_fn(bars)
    chunk_ends = range(32_767, 32_806, 2)  # where the first chunk of products ends, by offset
    for cut in (1, 17, 400, 16_383, 16_384, 16_385, *chunk_ends, 40_000):
        head = {name: values[:cut] for name, values in bars.items()}
        partial = ours_fn(head)
        pairs = zip(partial, full, strict=True) if isinstance(full, tuple) else [(partial, full)]
        for before, after in pairs:
            np.testing.assert_array_equal(before, after[:cut])


@pytest.mark.parametrize("case", CASES)
def test_series_longer_than_one_block_of_products_match_talib(case: str) -> None:
    ours_fn, theirs_fn = CASES[case]
    ours, theirs = ours_fn(LONG_WALK), theirs_fn(LONG_WALK)
    pairs = zip(ours, theirs, strict=True) if isinstance(theirs, tuple | list) else [(ours, theirs)]
    scale = float(np.abs(LONG_WALK["close"]).max())
    if case == "obv":
        scale = float(np.abs(LONG_WALK["volume"]).sum())
    for ours_values, theirs_values in pairs:
        assert_same(np.asarray(ours_values), np.asarray(theirs_values), scale)


def test_atr_joins_its_pieces_without_a_seam() -> None:
    """ATR smooths a long series a piece of bars at a time: across the joins it still matches
    TA-Lib, a cut at a join changes no earlier bit, and a NaN in a later piece is handled."""
    piece = ranges._SMOOTHED_PIECE
    walk = {
        name: np.concatenate([random_walk(seed)[name] for seed in range(2 * piece // SIZE + 2)])
        for name in ALL
    }

    def atr(bars: Ohlcv) -> np.ndarray:
        return indicators.atr(bars["high"], bars["low"], bars["close"], 14)

    full = atr(walk)
    assert_same(full, talib.ATR(walk["high"], walk["low"], walk["close"], 14), 1.0)
    for cut in (piece + 14, piece + 15, piece + 16, 2 * piece + 15):
        np.testing.assert_array_equal(atr({n: v[:cut] for n, v in walk.items()}), full[:cut])
    holed = with_nan(walk, 0, [piece + 1000], ("high",))
    expected = talib.ATR(holed["high"], holed["low"], holed["close"], 14)
    assert_same(atr(holed), expected, 1.0)
    assert np.isnan(expected[piece + 1000 :]).all() and not np.isnan(expected[piece]).any()
