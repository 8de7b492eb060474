"""Small admin commands: `python -m app.cli hash-password` prints a hash for the vault;
`python -m app.cli totp-secret` prints a new TOTP secret (vault) and its URI (authenticator app);
`python -m app.cli strategy-check FILE` validates a strategy file and backtests it;
`python -m app.cli paper-check` tries new Alpaca keys on the paper account, end to end;
`python -m app.cli notify deploy|backup_failed MESSAGE` tells the notification targets (the
deployment calls it when a release takes over or a backup fails)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

import pyotp

from app.core.config import load_settings_or_exit
from app.core.security import hash_password
from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher
from app.notify.room import dispatch_options, notify_targets
from app.research import cli as research_cli

MIN_PASSWORD_LENGTH = 12
CLI_EVENTS = {"deploy": "Deploy", "backup_failed": "Backup failed"}


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
    totp = commands.add_parser("totp-secret", help="print a new TOTP secret and its otpauth URI")
    totp.add_argument("--user", default="admin", help="the admin's user name (shown by the app)")
    notifying = commands.add_parser("notify", help="send a deploy or backup_failed notification")
    notifying.add_argument("event", choices=sorted(CLI_EVENTS))
    notifying.add_argument("message")
    checking = commands.add_parser(
        "strategy-check",
        help="validate a strategy file, then backtest each of its strategies on simulated bars",
    )
    checking.add_argument("file", type=Path, help="the strategy file (.py)")
    checking.add_argument(
        "--bars", type=int, default=2_000, help="simulated bars to backtest on (default 2000)"
    )
    checking.add_argument("--seed", type=int, default=1, help="seed of the simulated market")
    paper = commands.add_parser(
        "paper-check", help="place and cancel one order far from the market on Alpaca paper"
    )
    paper.add_argument("--symbol", default="SPY", help="a liquid symbol (default SPY)")
    research_cli.add_commands(commands)
    args = parser.parse_args(argv)
    if args.command in ("history", "search"):
        return research_cli.run(args)
    if args.command == "strategy-check":
        from app.research.strategy_check import check_file  # loads numpy and TA-Lib

        return check_file(args.file, args.bars, args.seed)
    if args.command == "paper-check":
        return asyncio.run(_paper_check(args.symbol))
    if args.command == "notify":
        return _notify(args.event, args.message)
    if args.command == "totp-secret":
        secret = pyotp.random_base32()
        print(secret)
        print(pyotp.TOTP(secret).provisioning_uri(name=args.user, issuer_name="trading-bot"))
    if args.command == "hash-password":
        password = _read_password(args.stdin)
        if len(password) < MIN_PASSWORD_LENGTH:
            parser.error(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        print(hash_password(password))
    return 0


async def _paper_check(symbol: str) -> int:
    """Exit 0 when every step passed, 1 when one failed, 2 when it could not start."""
    from app.brokers.alpaca import AlpacaBroker, AlpacaConfig
    from app.core.config import Settings
    from app.marketdata.alpaca import AlpacaDataConfig, AlpacaMarketData
    from app.paper_check import LiveEndpointRefused, PaperCheck, refuse_live

    settings = Settings()
    try:
        refuse_live(settings.alpaca_base_url, settings.alpaca_live_trading)
    except LiveEndpointRefused as exc:
        print(f"FAIL  endpoint: {exc}")
        return 2
    if not (settings.alpaca_api_key and settings.alpaca_secret_key):
        print("FAIL  keys: set ALPACA_API_KEY and ALPACA_SECRET_KEY (your paper keys)")
        return 2
    keys = {"api_key": settings.alpaca_api_key, "secret_key": settings.alpaca_secret_key}
    broker = AlpacaBroker(AlpacaConfig(base_url=settings.alpaca_base_url, **keys))
    data = AlpacaMarketData(AlpacaDataConfig(feed=settings.alpaca_data_feed, **keys))
    try:
        passed = await PaperCheck(broker, data, symbol.upper()).run()
    finally:
        await broker.close()
    print("paper check passed" if passed else "paper check FAILED")
    return 0 if passed else 1


def _notify(event: str, message: str) -> int:
    """0 when every target that wants the event took it (or none wants it), else 1."""
    settings = load_settings_or_exit()
    notice = Notice(event, CLI_EVENTS[event], message)

    async def send() -> list[bool]:
        dispatcher = Dispatcher(
            notify_targets(settings), dispatch_options(settings), settings.dashboard_url
        )
        try:
            return await dispatcher.send_now(notice)
        finally:
            await dispatcher.close(within=0)

    delivered = asyncio.run(send())
    print(f"{event}: delivered to {sum(delivered)} of {len(delivered)} targets")
    return 0 if all(delivered) else 1


if __name__ == "__main__":
    raise SystemExit(main())
