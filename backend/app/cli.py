"""Small admin commands: `python -m app.cli hash-password` prints a hash for the vault;
`python -m app.cli notify deploy|backup_failed MESSAGE` tells the notification targets (the
deployment calls it when a release takes over or a backup fails)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from app.core.config import load_settings_or_exit
from app.core.security import hash_password
from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher
from app.notify.room import dispatch_options, notify_targets

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
    notifying = commands.add_parser("notify", help="send a deploy or backup_failed notification")
    notifying.add_argument("event", choices=sorted(CLI_EVENTS))
    notifying.add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "notify":
        return _notify(args.event, args.message)
    if args.command == "hash-password":
        password = _read_password(args.stdin)
        if len(password) < MIN_PASSWORD_LENGTH:
            parser.error(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
        print(hash_password(password))
    return 0


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
