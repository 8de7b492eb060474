"""Backtester conventions on hand-made bars, where every number can be worked out by hand."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from app import backtest
from app.backtest import BacktestConfig
from app.risk import RiskSettings
from app.strategies import BarFrame, build
from tests.backtest.reference import random_frame

SMA = build("sma_crossover", {"fast": 2, "slow": 3})


def exact(**settings: Any) -> BacktestConfig:
    """Numbers that work out by hand: no slippage, no tick rounding, long only, 10,000 cash
    (the simulated market's other defaults are the paper exchange's)."""
    given = {"cash": 10_000.0, "slippage_bps": 0.0, "round_to_tick": False, "allow_short": False}
    return BacktestConfig(**(given | settings))


def frame(
    closes: list[float],
    opens: list[float] | None = None,
    symbol: str = "X",
    lows: list[float] | None = None,
    highs: list[float] | None = None,
) -> BarFrame:
    close = np.array(closes, dtype=np.float64)
    open_ = np.array(opens, dtype=np.float64) if opens else close.copy()
    low = np.array(lows, dtype=np.float64) if lows else np.minimum(open_, close)
    high = np.array(highs, dtype=np.float64) if highs else np.maximum(open_, close)
    days = (np.datetime64("2024-01-02", "D") + np.arange(close.size)).astype("datetime64[us]")
    return BarFrame(symbol, days, open_, high, low, close, np.full(close.size, 1000.0))


# SMA2 crosses above SMA3 on bar 3's close (10, 10, 9, 12): fill at bar 4's open.
RISE = [10.0, 10.0, 9.0, 12.0, 13.0, 14.0, 15.0, 16.0]
RISE_OPENS = [10.0, 10.0, 9.0, 11.0, 12.5, 13.5, 14.5, 15.5]


def test_signal_on_close_fills_next_open_all_in() -> None:
    result = backtest.run(SMA, [frame(RISE, RISE_OPENS)], exact(cash=1000.0))
    (trade,) = result.trades
    # 1000 / 12.5 is exactly 80, but like backtesting.py we never spend the last rounding: 79
    assert (trade.entry_bar, trade.entry_price, trade.qty) == (4, 12.5, 79.0)
    assert not trade.closed and trade.pnl == pytest.approx(79 * (16 - 12.5))
    assert result.equity[3] == 1000.0 and result.equity[4] == pytest.approx(1000 + 79 * 0.5)
    assert result.metrics["final_equity"] == pytest.approx(1000 + 79 * 3.5)


def test_commission_and_slippage_are_charged_on_each_fill() -> None:
    config = exact(cash=1000.0, commission_bps=100, commission_per_share=0.1, slippage_bps=100)
    result = backtest.run(SMA, [frame(RISE, RISE_OPENS)], config)
    (trade,) = result.trades
    fill = 12.5 * 1.01  # 1% slippage against the buyer
    assert trade.entry_price == pytest.approx(fill)
    # all-in counts the commission: each share costs 12.5 * 1.01 + 0.1 (unslipped quote)
    assert trade.qty == 1000 // (12.5 * 1.01 + 0.1)
    assert trade.entry_commission == pytest.approx(trade.qty * (0.1 + fill * 0.01))
    cash = 1000 - trade.qty * fill - trade.entry_commission
    assert result.equity[-1] == pytest.approx(cash + trade.qty * 16.0)


def test_stop_loss_fills_at_the_stop_or_at_the_open_when_gapped() -> None:
    closes = [10.0, 10.0, 9.0, 12.0, 12.0, 11.0, 9.0, 9.0]
    opens = [10.0, 10.0, 9.0, 11.0, 12.0, 12.0, 10.0, 9.0]
    lows = [10.0, 10.0, 9.0, 11.0, 11.9, 10.5, 9.0, 9.0]
    config = exact(cash=1200.0, stop_loss_pct=0.1)  # entry 12 -> stop 10.8
    (trade,) = backtest.run(SMA, [frame(closes, opens, lows=lows)], config).trades
    assert (trade.exit_bar, trade.exit_price, trade.exit_reason) == (5, 10.8, "stop_loss")
    gapped = [10.0, 10.0, 9.0, 11.0, 12.0, 10.0, 10.0, 9.0]
    (trade,) = backtest.run(SMA, [frame(closes, gapped, lows=lows)], config).trades
    assert (trade.exit_bar, trade.exit_price) == (5, 10.0)


def test_take_profit_fills_at_the_target_or_the_better_open() -> None:
    highs = [10.0, 10.0, 9.0, 12.0, 13.9, 14.0, 15.0, 16.0]
    touched = exact(cash=1000.0, take_profit_pct=0.09)  # 12.5 -> 13.625: not on the entry bar
    (trade,) = backtest.run(SMA, [frame(RISE, RISE_OPENS, highs=highs)], touched).trades
    assert (trade.exit_bar, trade.exit_reason) == (5, "take_profit")
    assert trade.exit_price == pytest.approx(13.625)
    gapped = exact(cash=1000.0, take_profit_pct=0.05)  # 13.125; bar 5 opens at 13.5
    (trade,) = backtest.run(SMA, [frame(RISE, RISE_OPENS, highs=highs)], gapped).trades
    assert (trade.exit_bar, trade.exit_price) == (5, 13.5)


def test_signal_on_the_last_bar_is_not_filled() -> None:
    result = backtest.run(SMA, [frame(RISE[:4], RISE_OPENS[:4])], exact())
    assert result.trades == [] and result.metrics["final_equity"] == 10_000.0


def test_atr_sizing_through_the_risk_chain_sets_a_working_stop() -> None:
    config = exact(risk=RiskSettings.permissive("atr_risk"), cash=100_000.0)
    result = backtest.run(build("sma_crossover"), [random_frame(800, 5)], config)
    assert result.trades
    for trade in result.trades:
        assert trade.stop_loss is not None and trade.stop_loss < trade.entry_price
        assert trade.qty * (trade.entry_price - trade.stop_loss) <= 0.011 * 100_000 * 1.5
    assert "stop_loss" in {t.exit_reason for t in result.trades}


def test_portfolio_shares_one_cash_account_and_keeps_rejections() -> None:
    frames = [random_frame(600, seed, symbol=f"S{seed}") for seed in range(4)]
    result = backtest.run(build("sma_crossover"), frames, exact())
    assert {t.symbol for t in result.trades} == {"S0", "S1", "S2", "S3"}
    # all-in sizing leaves (almost) no cash for a second symbol while one is held
    assert any("buys no share" in r.reason for r in result.rejected)
    for trade in result.trades:  # never more than the cash there was: no leverage
        assert trade.qty * trade.entry_price <= result.equity[trade.entry_bar - 1]


def test_risk_limits_bind_in_a_portfolio() -> None:
    risk = RiskSettings(
        sizing="atr_risk",
        market_hours=False,
        pdt_guard=False,
        max_open_positions=2,
        cooldown_minutes=0,
    )
    frames = [random_frame(600, seed, symbol=f"S{seed}") for seed in range(6)]
    result = backtest.run(build("sma_crossover"), frames, exact(cash=1_000_000.0, risk=risk))
    assert any("2 positions open" in r.reason for r in result.rejected)
    held = np.zeros(result.times.size, dtype=int)
    for trade in result.trades:
        held[trade.entry_bar : (trade.exit_bar or result.times.size)] += 1
    assert held.max() <= 2


def test_metrics_on_a_known_curve() -> None:
    result = backtest.run(SMA, [frame(RISE, RISE_OPENS)], exact(cash=1000.0))
    metrics = result.metrics
    assert metrics["total_return"] == pytest.approx(79 * 3.5 / 1000)
    assert metrics["max_drawdown"] == 0.0 and metrics["trades"] == 1
    assert metrics["exposure_time"] == pytest.approx(4 / 8)
    assert metrics["win_rate"] is None  # no closed trade yet


def test_drawdown_kill_switch_halts_and_flattens() -> None:
    risk = RiskSettings(
        sizing="atr_risk",
        risk_per_trade=0.02,
        market_hours=False,
        pdt_guard=False,
        max_drawdown=0.05,
        flatten_on_halt=True,
        max_position_pct=0.3,
        cooldown_minutes=0,
        daily_loss_limit=1.0,
    )
    frames = [random_frame(1500, seed, symbol=f"S{seed}", volatility=0.03) for seed in range(6)]
    result = backtest.run(build("sma_crossover"), frames, exact(risk=risk))
    halted = result.metrics["halted_at"]
    assert halted is not None
    assert any("halted" in r.reason for r in result.rejected)
    assert all(t.entry_time.isoformat() <= halted for t in result.trades)
    assert all(t.closed for t in result.trades)  # flattened, nothing left open
    flattened = [t for t in result.trades if t.exit_reason == "halt"]
    assert flattened, "a position was open when the switch tripped"
    for trade in flattened:
        assert trade.exit_time is not None and trade.exit_time.isoformat() >= halted


def test_frames_out_of_time_order_are_refused() -> None:
    bars = frame(RISE, RISE_OPENS)
    shuffled = BarFrame(
        "X", bars.time[::-1].copy(), bars.open, bars.high, bars.low, bars.close, bars.volume
    )
    with pytest.raises(ValueError, match=r"X: bar 1 time .* is not after bar 0"):
        backtest.run(SMA, [shuffled])


# -- volume cap: orders fill in parts ---------------------------------------------------------


def minute_bars(
    closes: list[float],
    opens: list[float],
    volumes: list[float],
    lows: list[float] | None = None,
    next_day_from: int | None = None,
) -> BarFrame:
    """Minute bars of one day (from bar `next_day_from` on, of the next day) with volumes."""
    close, open_ = np.array(closes), np.array(opens)
    low = np.array(lows) if lows else np.minimum(open_, close)
    times = np.datetime64("2024-01-02T14:30", "us") + np.arange(close.size) * np.timedelta64(1, "m")
    if next_day_from is not None:
        times[next_day_from:] += np.timedelta64(1, "D")
    return BarFrame("X", times, open_, np.maximum(open_, close), low, close, np.array(volumes))


def test_an_entry_above_the_volume_cap_fills_a_quarter_of_each_bar_until_done() -> None:
    bars = minute_bars(RISE, RISE_OPENS, [100.0] * 8)
    result = backtest.run(SMA, [bars], exact(cash=1000.0, max_volume_share=0.25))
    (trade,) = result.trades
    # 79 shares, at most 25 a bar: 25 at 12.5, 25 at 13.5, 25 at 14.5, the last 4 at 15.5
    assert [(f.side, f.qty, f.price) for f in result.fills] == [
        ("buy", 25, 12.5),
        ("buy", 25, 13.5),
        ("buy", 25, 14.5),
        ("buy", 4, 15.5),
    ]
    assert (trade.entry_bar, trade.qty) == (4, 79)
    assert trade.entry_price == pytest.approx((312.5 + 337.5 + 362.5 + 62) / 79)
    assert result.equity[4] == pytest.approx(1000 + 25 * (13 - 12.5))  # 25 held at bar 4's close
    assert result.metrics["final_equity"] == pytest.approx(1000 - 1074.5 + 79 * 16)


def test_the_rest_of_a_day_order_expires_when_the_next_day_begins() -> None:
    bars = minute_bars(RISE, RISE_OPENS, [100.0] * 8, next_day_from=5)
    result = backtest.run(SMA, [bars], exact(cash=1000.0, max_volume_share=0.25))
    (trade,) = result.trades
    assert (trade.qty, trade.entry_price) == (25, 12.5)  # bar 5 is a new day: the rest expired
    assert result.metrics["final_equity"] == pytest.approx(1000 + 25 * (16 - 12.5))


def test_a_stop_leg_covers_the_position_and_its_rest_sells_at_the_next_open() -> None:
    closes = [10.0, 10.0, 9.0, 12.0, 13.0, 13.5, 14.0, 15.0]
    opens = [10.0, 10.0, 9.0, 11.0, 12.5, 12.0, 13.8, 14.5]
    lows = [10.0, 10.0, 9.0, 11.0, 12.5, 11.0, 13.8, 14.5]
    volumes = [1000.0] * 5 + [300.0] + [1000.0] * 2
    bars = minute_bars(closes, opens, volumes, lows)
    config = exact(cash=1000.0, max_volume_share=0.1, stop_loss_pct=0.1)
    result = backtest.run(SMA, [bars], config)
    (trade,) = result.trades
    # 79 bought at 12.5 (cap 100); the stop at 11.25 is reached on bar 5, which takes 30 (10%
    # of 300) at the stop; the other 49 sell at bar 6's open, above the stop (it triggered)
    assert [(f.side, f.qty, f.price) for f in result.fills] == [
        ("buy", 79, 12.5),
        ("sell", 30, 11.25),
        ("sell", 49, 13.8),
    ]
    assert (trade.exit_bar, trade.exit_reason, trade.closed) == (6, "stop_loss", True)
    assert trade.exit_price == pytest.approx((30 * 11.25 + 49 * 13.8) / 79)
    assert trade.pnl == pytest.approx(30 * 11.25 + 49 * 13.8 - 79 * 12.5)
    assert result.metrics["final_equity"] == pytest.approx(1000 - 987.5 + 337.5 + 676.2)


def test_signals_wait_while_the_strategy_s_order_is_still_working() -> None:
    # rises, then falls: the sell signal comes while the capped entry is still filling
    closes = [10.0, 10.0, 9.0, 12.0, 13.0, 12.8, 10.0, 9.0, 8.0, 8.0]
    bars = minute_bars(closes, closes, [40.0] * 10)
    result = backtest.run(SMA, [bars], exact(cash=1000.0, max_volume_share=0.5))
    assert [r.reason for r in result.rejected] == ["an order for X is still working"]
    (trade,) = result.trades
    assert trade.qty == 1000 // 13  # 76 shares at 13 (bar 4), 20 a bar: done at bar 7
    assert [f.qty for f in result.fills] == [20, 20, 20, 16]
