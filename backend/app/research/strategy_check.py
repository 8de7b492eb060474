"""`python -m app.cli strategy-check FILE`: what the bot would say of a strategy file at start,
then a backtest of each strategy in it on the simulated market, before it goes live."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from app.backtest import run
from app.backtest.report import table
from app.core.errors import nested_error
from app.research.backtests import simulated_frame
from app.schemas.backtests import SimulatedData
from app.strategies import BUILTIN
from app.strategies.files import load_file


def check_file(path: Path, bars: int, seed: int) -> int:
    """0 when every class of the file loads and backtests; 1 with each problem printed."""
    loaded = load_file(path, BUILTIN)
    for problem in loaded.problems:
        print(f"error: {problem}", file=sys.stderr)
    if loaded.problems or not loaded.strategies:
        return 1
    try:
        frame = simulated_frame(SimulatedData(bars=bars, seed=seed))
    except ValidationError as error:
        print(f"error: {nested_error('', error)}", file=sys.stderr)
        return 2
    for name, cls in loaded.strategies.items():
        print(f"{path}: strategy {name!r} ({cls.title}) loads; default parameters:")
        print(f"  {cls.Params().model_dump()}")
        print(table(run(cls(), [frame])))
        print()
    return 0
