"""`python -m app.cli history fetch|import|coverage`: fill the history cache from a terminal,
from Alpaca (or the simulated market) or from a CSV of one's own."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from app.backtest import DataError, load_csv
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.domain import timeframe_parts
from app.research.history import HistoryCache
from app.research.sources import HistoryError, history_source

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


def add_commands(commands: Any) -> None:
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


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    cache = HistoryCache(make_sessionmaker(engine), history_source(settings))
    try:
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
    except (HistoryError, DataError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        await engine.dispose()


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args, Settings()))
