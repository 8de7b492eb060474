"""`python -m app.cli history fetch|import|coverage`: fill the history cache from a terminal,
from Alpaca (or the simulated market) or from a CSV of one's own; `python -m app.cli search`:
a grid search with walk-forward on cached bars, its best set saved as a strategy instance."""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from tqdm import tqdm

from app.backtest import DataError, load_csv
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.domain import timeframe_parts
from app.models import StrategyInstanceRecord
from app.models.audit import add_audit
from app.research.history import HistoryCache, MissingHistory
from app.research.search import Search, SearchSpec, best, walk_forward
from app.research.sources import HistoryError, history_source
from app.strategies import STRATEGIES

logger = logging.getLogger(__name__)


def _day(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2016-01-04") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _timeframe(text: str) -> str:
    try:
        timeframe_parts(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _values(text: str) -> tuple[str, list[float]]:
    name, _, values = text.partition("=")
    try:
        return name.strip(), [float(v) for v in values.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not name=v1,v2,... of numbers") from None


def _add_search(commands: Any) -> None:
    search = commands.add_parser(
        "search", help="grid search with walk-forward on cached bars; save the best set"
    )
    search.add_argument("strategy", help="strategy name, e.g. sma_crossover")
    search.add_argument("symbols", help="comma-separated, fetched into the cache first")
    search.add_argument("--start", type=_day, required=True, help="first day")
    search.add_argument("--end", type=_day, required=True, help="day after the last")
    search.add_argument("--timeframe", type=_timeframe, default="1Day")
    search.add_argument("--adjustment", choices=["all", "split", "dividend", "raw"], default="all")
    search.add_argument(
        "--grid", type=_values, action="append", default=[], help="e.g. fast=5,10,20 (repeat)"
    )
    search.add_argument(
        "--objective", choices=["sharpe", "sortino", "calmar", "total_return"], default="sharpe"
    )
    search.add_argument("--folds", type=int, default=3, help="walk-forward folds (0: none)")
    search.add_argument("--instance", help="save the best set as a strategy instance so named")
    search.add_argument("--enable", action="store_true", help="and enable it (default disabled)")


def add_commands(commands: Any) -> None:
    _add_search(commands)
    history = commands.add_parser("history", help="fetch and inspect cached historical bars")
    sub = history.add_subparsers(dest="history_command", required=True)
    fetch = sub.add_parser("fetch", help="fetch what the cache lacks of a range")
    fetch.add_argument("symbols", help="comma-separated, e.g. AAPL,MSFT")
    fetch.add_argument("--start", type=_day, required=True, help="first day, e.g. 2016-01-01")
    fetch.add_argument("--end", type=_day, default=None, help="day after the last (default now)")
    fetch.add_argument("--timeframe", type=_timeframe, default="1Day", help="e.g. 1Day, 15Min")
    fetch.add_argument("--adjustment", choices=["all", "split", "dividend", "raw"], default="all")
    imported = sub.add_parser("import", help="store a CSV of one symbol's bars in the cache")
    imported.add_argument("file", type=Path, help="CSV: time, open, high, low, close, volume")
    imported.add_argument("--symbol", required=True, help="the symbol the bars are of")
    imported.add_argument("--timeframe", type=_timeframe, default="1Day", help="e.g. 1Day")
    imported.add_argument(
        "--adjustment",
        choices=["raw", "all", "split", "dividend"],
        default="raw",
        help="what the prices are (default raw: as traded)",
    )
    sub.add_parser("coverage", help="what the cache holds, per symbol")


async def _search(args: argparse.Namespace, cache: HistoryCache) -> int:
    if args.strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {args.strategy!r}; known: {', '.join(STRATEGIES)}")
    symbols = [s.strip().upper() for s in args.symbols.split(",") if s.strip()]
    frames = [
        await cache.frame(s, args.timeframe, args.start, args.end, args.adjustment) for s in symbols
    ]
    grid = {name: [int(v) if v.is_integer() else v for v in vs] for name, vs in args.grid}
    spec = SearchSpec(args.strategy, args.objective, grid=grid or SearchSpec(args.strategy).grid)
    trials = await asyncio.to_thread(Search(frames).run, spec)
    ranked = sorted(trials, key=lambda t: t.score if t.score is not None else -math.inf)
    for trial in ranked[::-1][:10]:
        shown = ", ".join(f"{k}={v}" for k, v in trial.params.items())
        print(f"{shown:30} score {trial.score if trial.score is not None else '-'}")
    chosen = best(trials)
    if chosen is None:
        print("no trial scored: nothing to save", file=sys.stderr)
        return 1
    if args.folds:
        report = await asyncio.to_thread(walk_forward, frames, spec, args.folds)
        print(f"walk-forward: in-sample {report.in_score} vs out-of-sample {report.out_score}")
        if report.diverges:
            print("warning: out-of-sample falls well short of in-sample: likely overfit")
    print(f"best: {chosen.params} (score {chosen.score})")
    if args.instance:
        async with cache.sessions() as session:
            row = StrategyInstanceRecord(
                name=args.instance,
                strategy=args.strategy,
                symbol=symbols[0],
                params=chosen.params,
                enabled=args.enable,
            )
            session.add(row)
            try:
                await session.flush()
            except IntegrityError:
                raise ValueError(
                    f"an instance {args.instance!r} of {args.strategy} on {symbols[0]} exists"
                ) from None
            add_audit(session, "cli", "instance_create", "strategy_instance", str(row.id))
            await session.commit()
        state = "enabled" if args.enable else "disabled"
        print(f"instance {row.id} {args.instance!r} on {symbols[0]} saved, {state}")
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    cache = HistoryCache(make_sessionmaker(engine), history_source(settings))
    try:
        if args.command == "search":
            return await _search(args, cache)
        if args.history_command == "fetch":
            symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
            end = args.end or datetime.now(UTC)
            with tqdm(total=0, unit="range", desc=f"{cache.source.name} bars") as bar:

                def progress(what: str, done: int, total: int) -> None:
                    bar.total = total
                    bar.set_postfix_str(what)
                    bar.update(done - bar.n)

                report = await cache.ensure(
                    symbols, args.timeframe, args.start, end, args.adjustment, progress
                )
            print(f"{report.stored} bars stored from {report.requested} request(s)")
        if args.history_command == "import":
            frame = load_csv(args.file, args.symbol.upper())
            stored = await cache.import_frame(frame, args.timeframe, args.adjustment)
            print(f"{stored} bars of {frame.symbol} stored from {args.file}")
        for row in await cache.coverage():
            spans = ", ".join(f"{a:%Y-%m-%d}..{b:%Y-%m-%d}" for a, b in row.ranges)
            print(f"{row.symbol:8} {row.timeframe:6} {row.adjustment:8} {row.bars:>7} bars {spans}")
        return 0
    except (HistoryError, MissingHistory, DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args, Settings()))
