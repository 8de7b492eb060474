"""Grid and TPE search score each trial as a direct backtest would; walk-forward stitches OOS."""

from __future__ import annotations

import pytest

from app.backtest import run
from app.research.backtests import simulated_frame
from app.research.search import Search, SearchSpec, best, grid_points, score, walk_forward
from app.schemas.backtests import SimulatedData
from app.strategies import build

FRAMES = [simulated_frame(SimulatedData(symbol="SIMA", bars=3_000, seed=5, timeframe="1Hour"))]


def test_objectives_by_hand() -> None:
    metrics = {"sharpe": 1.5, "sortino": 2.0, "cagr": 0.2, "max_drawdown": 0.1, "total_return": 0.3}
    assert score(metrics, "sharpe", None) == 1.5
    assert score(metrics, "calmar", None) == pytest.approx(2.0)
    assert score(metrics, "total_return", 0.2) == 0.3
    assert score(metrics, "total_return", 0.05) is None  # over the drawdown cap
    assert score({"sharpe": None}, "sharpe", None) is None


def test_grid_trials_match_direct_backtests_and_refusals_are_kept() -> None:
    spec = SearchSpec("sma_crossover", grid={"fast": [5, 10, 30], "slow": [20, 40]})
    trials = Search(FRAMES, workers=2).run(spec)
    assert [t.params for t in trials] == grid_points(spec.grid)
    refused = [t for t in trials if t.error]
    assert [t.params for t in refused] == [{"fast": 30, "slow": 20}]
    chosen = best(trials)
    assert chosen is not None
    direct = run(build("sma_crossover", chosen.params), FRAMES).metrics["sharpe"]
    assert chosen.score == pytest.approx(direct)
    assert chosen.score == max(t.score for t in trials if t.score is not None)


def test_tpe_stays_in_its_ranges_and_cancel_stops_early() -> None:
    spec = SearchSpec(
        "sma_crossover", method="tpe", trials=6, ranges={"fast": (2, 15), "slow": (20, 60)}
    )
    trials = Search(FRAMES, workers=2).run(spec)
    assert len(trials) == 6
    assert all(2 <= t.params["fast"] <= 15 and 20 <= t.params["slow"] <= 60 for t in trials)
    grid = SearchSpec("sma_crossover", grid={"fast": list(range(2, 12)), "slow": [30, 50]})
    stopped = Search(FRAMES, workers=2).run(grid, progress=lambda done, total: False)
    assert 0 < len(stopped) < 20


def test_walk_forward_scores_out_of_sample_and_stitches_equity() -> None:
    spec = SearchSpec("sma_crossover", grid={"fast": [5, 10], "slow": [20, 40]})
    report = walk_forward(FRAMES, spec, folds=2, in_sample_share=0.6, workers=2)
    assert len(report.folds) == 2
    assert report.folds[0].out_of_sample[0] == report.folds[0].in_sample[1]
    times = [t for t, _ in report.equity]
    assert times == sorted(times) and len(times) == len(set(times))
    assert report.in_score is not None and report.out_score is not None
    assert report.diverges == (report.in_score > 0 and report.out_score < 0.5 * report.in_score)
    with pytest.raises(ValueError, match="needs at least"):
        walk_forward([FRAMES[0].head(30)], spec, folds=2)
