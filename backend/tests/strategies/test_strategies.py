"""Strategies: no look-ahead, validated parameters, signals that explain themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from app.domain import Bar, Side
from app.strategies import STRATEGIES, BarFrame, build, schemas


def random_frame(size: int = 600, seed: int = 11) -> BarFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, size)))
    start = np.datetime64("2020-01-01T14:30", "us")
    return BarFrame(
        symbol="TEST",
        time=start + np.arange(size) * np.timedelta64(1, "D"),
        open=close * (1 + rng.normal(0, 0.003, size)),
        high=close * 1.01,
        low=close * 0.99,
        close=close,
        volume=rng.integers(1000, 5000, size).astype(np.float64),
    )


@pytest.mark.parametrize("name", STRATEGIES)
def test_truncating_the_future_never_changes_past_signals(name: str) -> None:
    strategy = build(name)
    frame = random_frame()
    full = strategy.evaluate(frame)
    assert full.indices().size >= 4, "the data must produce signals for this test to mean much"
    for cut in range(strategy.warmup - 1, len(frame) + 1, 7):
        partial = strategy.evaluate(frame.head(cut))
        np.testing.assert_array_equal(partial.side, full.side[:cut])
        np.testing.assert_array_equal(partial.strength, full.strength[:cut])


@pytest.mark.parametrize("name", STRATEGIES)
def test_latest_on_a_window_ending_at_a_signal_is_that_signal(name: str) -> None:
    strategy = build(name)
    frame = random_frame()
    full = strategy.evaluate(frame)
    bar = int(full.indices()[-1])
    signal = strategy.latest(frame.head(bar + 1))
    assert signal == full.at(bar)
    assert signal is not None and signal.strategy == name and 0 <= signal.strength <= 1
    assert signal.time == frame.time_at(bar) and signal.reason and signal.values
    assert strategy.latest(frame.head(strategy.warmup - 1)) is None


def test_sma_crossover_signals_where_the_averages_cross() -> None:
    close = np.array([10, 10, 10, 10, 9, 8, 9, 12, 13, 12, 9, 8.0])
    frame = BarFrame(
        "X",
        np.arange(close.size).astype("datetime64[D]").astype("datetime64[us]"),
        close,
        close,
        close,
        close,
        np.ones(close.size),
    )
    series = build("sma_crossover", {"fast": 2, "slow": 4}).evaluate(frame)
    # fast SMA2 vs slow SMA4: fast rises above at bar 7, falls below at bar 10.
    assert series.side.tolist() == [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, -1, 0]
    buy, sell = series.at(7), series.at(10)
    assert buy is not None and buy.side is Side.BUY
    assert buy.reason == "fast SMA 2 (10.5) crossed above slow SMA 4 (9.5)"
    assert buy.values["fast"] == 10.5 and buy.values["slow"] == 9.5
    assert sell is not None and sell.side is Side.SELL and "crossed below" in sell.reason


def test_frame_from_domain_bars_keeps_times_and_columns() -> None:
    start = datetime(2024, 3, 1, 14, 30, tzinfo=UTC)
    bars = [
        Bar("AAPL", start + timedelta(minutes=i), 1 + i, 2 + i, 0.5 + i, 1.5 + i, 100)
        for i in range(3)
    ]
    frame = BarFrame.from_bars(bars)
    assert frame.symbol == "AAPL" and len(frame) == 3
    assert frame.time_at(2) == start + timedelta(minutes=2)
    assert frame.close.tolist() == [1.5, 2.5, 3.5]
    with pytest.raises(ValueError, match="one symbol"):
        BarFrame.from_bars([*bars, Bar("MSFT", start, 1, 1, 1, 1, 1)])


def test_params_are_validated_with_bounds() -> None:
    with pytest.raises(ValidationError, match="fast"):
        build("sma_crossover", {"fast": 30, "slow": 20})
    with pytest.raises(ValidationError, match="slow"):
        build("ema_crossover", {"slow": 0})
    with pytest.raises(ValidationError, match="extra"):
        build("rsi_reversion", {"lenght": 3})
    with pytest.raises(KeyError, match="known strategies"):
        build("nope")


def test_schemas_expose_every_parameter_with_bounds() -> None:
    published = schemas()
    assert set(published) == {
        "sma_crossover",
        "ema_crossover",
        "rsi_reversion",
        "macd_trend",
        "bollinger_reversion",
    }
    for entry in published.values():
        properties = entry["params"]["properties"]
        assert properties
        for spec in properties.values():
            assert "default" in spec
            assert {"minimum", "exclusiveMinimum"} & set(spec)
            assert "maximum" in spec
