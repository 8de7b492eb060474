"""Password hashing (argon2) and bearer tokens (JWT via PyJWT)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
