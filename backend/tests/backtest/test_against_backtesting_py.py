"""Same data, same conventions: the trade list matches backtesting.py exactly for the SMA
crossover (long/short and long-only) and final equity agrees within 0.01%."""

from __future__ import annotations

import pytest

from app import backtest
from app.strategies import build
from tests.backtest.reference import random_frame, reference_run


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("allow_short", [True, False])
@pytest.mark.parametrize("commission", [0.0, 0.002])
def test_sma_crossover_trades_match(seed: int, allow_short: bool, commission: float) -> None:
    frame = random_frame(2500, seed)
    fast, slow, cash = 10, 30, 25_000.0
    reference, reference_equity = reference_run(frame, fast, slow, allow_short, cash, commission)
    config = backtest.BacktestConfig(  # backtesting.py's conventions: no slippage, no tick
        cash=cash,
        commission_bps=commission * 10_000,
        allow_short=allow_short,
        slippage_bps=0,
        round_to_tick=False,
    )
    result = backtest.run(build("sma_crossover", {"fast": fast, "slow": slow}), [frame], config)

    closed = [trade for trade in result.trades if trade.closed]
    assert len(reference) > 20, "too few trades to compare"
    ours = [
        (t.entry_bar, t.exit_bar, t.entry_price, t.exit_price, t.direction * t.qty) for t in closed
    ]
    theirs = [
        (int(r.EntryBar), int(r.ExitBar), float(r.EntryPrice), float(r.ExitPrice), float(r.Size))
        for r in reference.itertuples()
    ]
    assert ours == theirs
    assert {t.direction for t in closed} == ({1, -1} if allow_short else {1})
    assert result.metrics["final_equity"] == pytest.approx(reference_equity, rel=1e-4)
