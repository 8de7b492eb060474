"""Small admin commands: `python -m app.cli hash-password` prints a hash for the vault;
`python -m app.cli totp-secret` prints a new TOTP secret (vault) and its URI (authenticator app)."""

from __future__ import annotations

import argparse
import getpass
import sys

import pyotp

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
    totp = commands.add_parser("totp-secret", help="print a new TOTP secret and its otpauth URI")
    totp.add_argument("--user", default="admin", help="the admin's user name (shown by the app)")
    args = parser.parse_args(argv)
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


if __name__ == "__main__":
    raise SystemExit(main())
