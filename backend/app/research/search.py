"""Parameter search over a strategy's typed parameters: grid or Optuna's TPE, on both cores,
scored by an objective the user picks, and walk-forward validation of the chosen sets.

Each trial is one call of the backtester's public entry point (`app.backtest.run`); trials run
in a process pool whose workers receive the bars once, at start-up.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import optuna
from pydantic import ValidationError

from app.backtest import BacktestConfig, run
from app.strategies import STRATEGIES, BarFrame, build

logger = logging.getLogger(__name__)

Objective = Literal["sharpe", "sortino", "calmar", "total_return"]
Progress = Callable[[int, int], bool]  # (done, total) -> keep going?
Span = tuple[Any, Any]  # [start, end) as numpy datetime64
WORKERS = max(1, min(2, os.cpu_count() or 1))


@dataclass(frozen=True)
class Trial:
    params: dict[str, Any]
    score: float | None  # None: the parameters were refused or the cap was broken
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None


def score(
    metrics: dict[str, Any], objective: Objective, max_drawdown: float | None
) -> float | None:
    """The objective of one backtest's metrics; None when undefined or over the drawdown cap."""
    drawdown = float(metrics.get("max_drawdown") or 0.0)
    if max_drawdown is not None and drawdown > max_drawdown:
        return None
    if objective == "calmar":
        cagr = metrics.get("cagr")
        value = cagr / drawdown if cagr is not None and drawdown > 0 else None
    else:
        value = metrics.get(objective)
    return float(value) if value is not None and math.isfinite(value) else None


def numeric_params(strategy: str) -> dict[str, tuple[type, float | None, float | None]]:
    """Each int/float parameter with its bounds (ge/le), from the strategy's Params model."""
    params = STRATEGIES[strategy].Params
    out: dict[str, tuple[type, float | None, float | None]] = {}
    for name, info in params.model_fields.items():
        if info.annotation not in (int, float):
            continue
        low = high = None
        for rule in info.metadata:
            low = getattr(rule, "ge", None) if getattr(rule, "ge", None) is not None else low
            high = getattr(rule, "le", None) if getattr(rule, "le", None) is not None else high
        out[name] = (int if info.annotation is int else float, low, high)
    return out


def window(frame: BarFrame, start: Any, end: Any) -> BarFrame:
    lo, hi = np.searchsorted(frame.time, [start, end])
    return BarFrame(
        frame.symbol,
        frame.time[lo:hi],
        frame.open[lo:hi],
        frame.high[lo:hi],
        frame.low[lo:hi],
        frame.close[lo:hi],
        frame.volume[lo:hi],
    )


_FRAMES: list[BarFrame] = []


def _load(frames: list[BarFrame]) -> None:
    _FRAMES[:] = frames


def evaluate(
    strategy: str,
    params: dict[str, Any],
    config: BacktestConfig,
    objective: Objective,
    max_drawdown: float | None,
    span: Span | None = None,
) -> Trial:
    """One trial on the worker's bars (optionally a time span of them)."""
    frames = [window(f, *span) for f in _FRAMES] if span else _FRAMES
    frames = [f for f in frames if len(f)]
    try:
        result = run(build(strategy, params), frames, config)
    except (ValidationError, ValueError) as exc:
        return Trial(params, None, error=str(exc).splitlines()[0][:300])
    metrics = {k: v for k, v in result.metrics.items() if isinstance(v, int | float) or v is None}
    return Trial(params, score(metrics, objective, max_drawdown), metrics)


@dataclass
class SearchSpec:
    strategy: str
    objective: Objective = "sharpe"
    max_drawdown: float | None = None
    method: Literal["grid", "tpe"] = "grid"
    grid: dict[str, list[Any]] = field(default_factory=dict)  # for grid
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)  # for tpe
    trials: int = 50  # for tpe
    seed: int = 0
    config: BacktestConfig = field(default_factory=BacktestConfig)


def grid_points(grid: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = sorted(grid)
    return [
        dict(zip(names, values, strict=True))
        for values in itertools.product(*(grid[n] for n in names))
    ]


class Search:
    """Runs a SearchSpec on frames with a pool of WORKERS processes."""

    def __init__(self, frames: list[BarFrame], workers: int = WORKERS) -> None:
        self._frames = frames
        self._workers = workers

    def run(
        self,
        spec: SearchSpec,
        span: Span | None = None,
        progress: Progress | None = None,
    ) -> list[Trial]:
        if spec.strategy not in STRATEGIES:
            raise KeyError(f"unknown strategy {spec.strategy!r}")
        with ProcessPoolExecutor(
            self._workers, initializer=_load, initargs=(self._frames,)
        ) as pool:

            def batch(points: Sequence[dict[str, Any]]) -> list[Trial]:
                futures = [
                    pool.submit(
                        evaluate,
                        spec.strategy,
                        p,
                        spec.config,
                        spec.objective,
                        spec.max_drawdown,
                        span,
                    )
                    for p in points
                ]
                return [f.result() for f in futures]

            if spec.method == "grid":
                return self._grid(spec, batch, progress)
            return self._tpe(spec, batch, progress)

    def _grid(
        self, spec: SearchSpec, batch: Callable[..., list[Trial]], progress: Progress | None
    ) -> list[Trial]:
        points = grid_points(spec.grid)
        trials: list[Trial] = []
        size = max(self._workers * 4, 1)
        for i in range(0, len(points), size):
            trials += batch(points[i : i + size])
            if progress and not progress(len(trials), len(points)):
                break
        return trials

    def _tpe(
        self, spec: SearchSpec, batch: Callable[..., list[Trial]], progress: Progress | None
    ) -> list[Trial]:
        kinds = numeric_params(spec.strategy)
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        study = optuna.create_study(
            direction="maximize", sampler=optuna.samplers.TPESampler(seed=spec.seed)
        )
        trials: list[Trial] = []
        while len(trials) < spec.trials:
            asked = [study.ask() for _ in range(min(self._workers, spec.trials - len(trials)))]
            points = []
            for t in asked:
                point: dict[str, Any] = {}
                for name, (low, high) in spec.ranges.items():
                    integer = kinds.get(name, (float, None, None))[0] is int
                    point[name] = (
                        t.suggest_int(name, int(low), int(high))
                        if integer
                        else t.suggest_float(name, low, high)
                    )
                points.append(point)
            for t, trial in zip(asked, batch(points), strict=True):
                study.tell(t, trial.score if trial.score is not None else float("-inf"))
                trials.append(trial)
            if progress and not progress(len(trials), spec.trials):
                break
        return trials


def best(trials: Sequence[Trial]) -> Trial | None:
    scored = [t for t in trials if t.score is not None]
    return max(scored, key=lambda t: t.score or 0.0) if scored else None


@dataclass(frozen=True)
class Fold:
    in_sample: tuple[str, str]
    out_of_sample: tuple[str, str]
    params: dict[str, Any]
    in_score: float | None
    out_score: float | None


@dataclass(frozen=True)
class WalkForward:
    folds: list[Fold]
    equity: list[tuple[str, float]]  # out-of-sample equity, stitched end to end
    in_score: float | None  # mean over folds
    out_score: float | None
    diverges: bool  # out-of-sample well below in-sample: the in-sample fit is likely overfit


def walk_forward(
    frames: list[BarFrame],
    spec: SearchSpec,
    folds: int = 4,
    in_sample_share: float = 0.75,
    workers: int = WORKERS,
    progress: Progress | None = None,
) -> WalkForward:
    """Rolling windows: search each in-sample window, score its best set on the next
    out-of-sample window, and chain the out-of-sample equity curves into one."""
    times = np.unique(np.concatenate([f.time for f in frames]))
    if folds < 1 or len(times) < folds * 20:
        raise ValueError(f"walk-forward needs at least {max(folds, 1) * 20} bars for {folds} folds")
    oos = int(len(times) * (1 - in_sample_share) / folds)
    is_len = int(len(times) * in_sample_share)
    search = Search(frames, workers)
    out: list[Fold] = []
    equity: list[tuple[str, float]] = []
    cash = spec.config.cash

    def end_of(i: int) -> Any:
        return times[i] if i < len(times) else times[-1] + np.timedelta64(1, "us")

    for k in range(folds):
        lo = k * oos
        mid, hi = lo + is_len, lo + is_len + oos
        chosen = best(search.run(spec, (times[lo], end_of(mid)), progress))
        if chosen is None:
            continue
        result = run(
            build(spec.strategy, chosen.params),
            [w for f in frames if len(w := window(f, times[mid], end_of(hi)))],
            spec.config,
        )
        scale = cash / spec.config.cash
        equity += [
            (str(t.astype("datetime64[s]")), float(v * scale))
            for t, v in zip(result.times, result.equity, strict=True)
        ]
        cash = equity[-1][1] if equity else cash
        out_score = score(result.metrics, spec.objective, spec.max_drawdown)
        out.append(
            Fold(
                (str(times[lo])[:10], str(end_of(mid))[:10]),
                (str(times[mid])[:10], str(end_of(hi))[:10]),
                chosen.params,
                chosen.score,
                out_score,
            )
        )
    ins = [f.in_score for f in out if f.in_score is not None]
    outs = [f.out_score if f.out_score is not None else 0.0 for f in out]
    in_mean = sum(ins) / len(ins) if ins else None
    out_mean = sum(outs) / len(outs) if outs else None
    diverges = (
        in_mean is not None and out_mean is not None and in_mean > 0 and out_mean < 0.5 * in_mean
    )
    return WalkForward(out, equity, in_mean, out_mean, diverges)
