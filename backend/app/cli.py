"""Small admin commands: `python -m app.cli hash-password` prints a hash for the vault;
`python -m app.cli strategy-check FILE` validates a strategy file and backtests it."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from app.core.security import hash_password

MIN_PASSWORD_LENGTH = 12


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Admin password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise SystemExit("error: the two passwords differ")
    return first


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    hashing = commands.add_parser("hash-password", help="print an argon2 hash of a password")
    hashing.add_argument(
        "--stdin", action="store_true", help="read the password from standard input"
    )
    checking = commands.add_parser(
        "strategy-check",
        help="validate a strategy file, then backtest each of its strategies on simulated bars",
    )
    checking.add_argument("file", type=Path, help="the strategy file (.py)")
    checking.add_argument(
        "--bars", type=int, default=2_000, help="simulated bars to backtest on (default 2000)"
    )
    checking.add_argument("--seed", type=int, default=1, help="seed of the simulated market")
    args = parser.parse_args(argv)
    if args.command == "strategy-check":
        from app.services.strategy_check import check_file  # loads numpy and TA-Lib

        return check_file(args.file, args.bars, args.seed)
    if args.command == "hash-password":
        password = _read_password(args.stdin)
        if len(password) < MIN_PASSWORD_LENGTH:
            parser.error(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        print(hash_password(password))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
