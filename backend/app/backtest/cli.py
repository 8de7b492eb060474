"""Command line: python -m app.backtest --data FILE.csv --strategy NAME [--param k=v ...]."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.backtest import run_csv
from app.backtest.config import BacktestConfig
from app.backtest.data import DataError
from app.backtest.report import table, write_report
from app.risk.settings import RiskSettings
from app.strategies import STRATEGIES


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m app.backtest",
        description="Backtest a strategy on CSV bars. A signal on bar t's close fills at bar "
        "t+1's open, with the paper exchange's costs and rules unless told otherwise.",
    )
    p.add_argument(
        "--data",
        action="append",
        required=True,
        metavar="FILE.csv",
        help="bars: a date/timestamp column and open, high, low, close, volume; "
        "repeat for a portfolio (symbol = file name)",
    )
    p.add_argument("--strategy", required=True, choices=sorted(STRATEGIES))
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="strategy parameter, repeatable (e.g. --param fast=10)",
    )
    market = BacktestConfig()
    p.add_argument("--cash", type=float, default=market.cash)
    p.add_argument(
        "--commission-bps",
        type=float,
        default=market.commission_bps,
        help="commission in basis points of traded value (10 = 0.1%%)",
    )
    p.add_argument("--commission-per-share", type=float, default=market.commission_per_share)
    p.add_argument("--slippage-bps", type=float, default=market.slippage_bps)
    p.add_argument(
        "--max-volume-share",
        type=float,
        help="largest share of a bar's volume one order takes (0.1 = 10%%); default: no cap",
    )
    p.add_argument("--stop-loss", type=float, help="bracket stop, fraction from entry")
    p.add_argument("--take-profit", type=float, help="bracket target, fraction from entry")
    p.add_argument(
        "--sizing",
        choices=("all_in", "atr_risk"),
        default="all_in",
        help="all_in: whole shares cash allows; atr_risk: 1%% of equity at a 2 ATR stop",
    )
    p.add_argument("--long-only", action="store_true", help="sell signals only close longs")
    p.add_argument(
        "--no-tick-rounding",
        action="store_true",
        help="fill at unrounded prices (as backtesting.py)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--report", type=Path, metavar="OUT.html", help="write an HTML report")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        params = _params(args.param)
        config = BacktestConfig(
            cash=args.cash,
            commission_bps=args.commission_bps,
            commission_per_share=args.commission_per_share,
            slippage_bps=args.slippage_bps,
            allow_short=not args.long_only,
            round_to_tick=not args.no_tick_rounding,
            max_volume_share=args.max_volume_share,
            stop_loss_pct=args.stop_loss,
            take_profit_pct=args.take_profit,
            risk=RiskSettings.permissive(args.sizing),
        )
        result = run_csv(args.data, args.strategy, params, config)
    except (DataError, ValueError) as exc:
        print(f"error: {_message(exc)}", file=sys.stderr)
        return 2
    if args.report:
        write_report(result, args.report)
    if args.json:
        json.dump(result.to_dict(), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(table(result))
        if args.report:
            print(f"\nreport written to {args.report}")
    return 0


def _params(pairs: list[str]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--param {pair!r}: expected NAME=VALUE, e.g. fast=10")
        params[name.strip()] = value.strip()
    return params


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            ": ".join(
                part
                for part in (
                    ".".join(str(p) for p in error["loc"]),
                    error["msg"].removeprefix("Value error, "),
                )
                if part
            )
            for error in exc.errors()
        )
    return str(exc)
