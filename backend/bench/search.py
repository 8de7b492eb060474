"""A 1,000-trial grid search (SMA crossover) on 100 symbols x 10 years of daily bars, on the
two-process pool (target: under 60 s). SEARCH_TRIALS=n runs the first n trials of the grid and
extrapolates, for a quick figure."""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.research.search import WORKERS, Search, SearchSpec, grid_points
from tests.backtest.reference import random_frame

SYMBOLS, YEARS, TARGET = 100, 10, 60.0
GRID = {"fast": list(range(2, 42)), "slow": list(range(50, 300, 10))}  # 40 x 25 = 1,000


def main() -> None:
    frames = [random_frame(YEARS * 252, seed, f"S{seed:03d}") for seed in range(SYMBOLS)]
    points = grid_points(GRID)
    trials = int(os.environ.get("SEARCH_TRIALS", len(points)))
    slow = GRID["slow"][: max(1, min(trials, len(GRID["slow"])))]
    grid = {"fast": GRID["fast"][: max(1, trials // len(slow))], "slow": slow}
    ran = len(grid_points(grid))
    started = time.perf_counter()
    results = Search(frames, WORKERS).run(SearchSpec("sma_crossover", grid=grid))
    wall = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime  # the pool's workers, all done
    whole = wall / ran * len(points)
    scored = sum(r.score is not None for r in results)
    print(
        f"  grid search, {SYMBOLS} symbols x {YEARS} years daily, {WORKERS} workers: "
        f"{ran} trials in {wall:.1f} s ({wall / ran * 1000:.0f} ms/trial, {scored} scored); "
        f"1,000 trials {'measured' if ran == len(points) else 'extrapolated'}: {whole:.0f} s "
        f"(target {TARGET:.0f} s: {'met' if whole < TARGET else 'NOT met'})\n"
        f"  worker CPU {cpu / ran * 1000:.0f} ms/trial: on {WORKERS} idle cores 1,000 trials "
        f"would take {cpu / ran * len(points) / WORKERS:.0f} s; load now {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
