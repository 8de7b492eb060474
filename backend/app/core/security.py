"""Password hashing (argon2) and bearer tokens (JWT via PyJWT)."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_ALGORITHM = "HS256"
_hasher = PasswordHasher()
DEVELOPMENT_PASSWORD = "changethis"  # noqa: S105 - only accepted outside production


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    """A hash no password matches, verified for unknown user names so that they cost the same."""
    return hash_password(secrets.token_hex(32))


def verify_login(
    username: str, password: str, expected_username: str, password_hash: str | None
) -> bool:
    """Whether the pair is the admin's, taking one argon2 verification whatever the user name,
    so the answer's timing does not tell which names exist."""
    known = hmac.compare_digest(username.encode(), expected_username.encode())
    if password_hash is None:  # development only: production settings refuse a missing hash
        verify_password(password, _dummy_hash())
        return known and hmac.compare_digest(password.encode(), DEVELOPMENT_PASSWORD.encode())
    matches = verify_password(password, password_hash if known else _dummy_hash())
    return known and matches


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


class InvalidToken(Exception):
    pass


def create_token(subject: str, secret: str, ttl: timedelta) -> IssuedToken:
    now = datetime.now(UTC)
    expires_at = now + ttl
    claims = {"sub": subject, "iat": now, "exp": expires_at, "jti": uuid.uuid4().hex}
    return IssuedToken(jwt.encode(claims, secret, algorithm=_ALGORITHM), expires_at)


def decode_token(token: str, secret: str) -> str:
    """The token's subject; InvalidToken when it is forged, malformed or expired."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[_ALGORITHM], options={"require": ["sub", "exp", "iat"]}
        )
    except jwt.ExpiredSignatureError as error:
        raise InvalidToken("token expired") from error
    except jwt.PyJWTError as error:
        raise InvalidToken("invalid token") from error
    return str(claims["sub"])
