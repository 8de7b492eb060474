from datetime import timedelta

import jwt
import pytest

from app.core.security import (
    InvalidToken,
    create_token,
    decode_token,
    hash_password,
    verify_password,
)

SECRET = "s" * 40


def test_password_round_trip() -> None:
    hashed = hash_password("hunter2 but longer")
    assert hashed.startswith("$argon2")
    assert verify_password("hunter2 but longer", hashed)
    assert not verify_password("hunter3 but longer", hashed)
    assert not verify_password("anything", "not-a-hash")


def test_token_round_trip() -> None:
    issued = create_token("admin", SECRET, timedelta(minutes=5))
    assert decode_token(issued.token, SECRET) == "admin"


def test_expired_token_is_refused() -> None:
    issued = create_token("admin", SECRET, timedelta(seconds=-1))
    with pytest.raises(InvalidToken, match="expired"):
        decode_token(issued.token, SECRET)


def test_forged_token_is_refused() -> None:
    forged = jwt.encode(
        {"sub": "admin", "exp": 9999999999, "iat": 0}, "another-secret" * 4, "HS256"
    )
    with pytest.raises(InvalidToken, match="invalid"):
        decode_token(forged, SECRET)


def test_unsigned_token_is_refused() -> None:
    unsigned = jwt.encode({"sub": "admin", "exp": 9999999999, "iat": 0}, None, "none")
    with pytest.raises(InvalidToken):
        decode_token(unsigned, SECRET)
