"""Login for the single admin account: failures limited per (user name, address) with backoff,
audited, and an optional TOTP second factor."""

from __future__ import annotations

import logging
from datetime import timedelta

import pyotp
from fastapi import APIRouter, Request
from redis.asyncio import Redis
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.api.deps import CurrentUser, RedisDep, SettingsDep
from app.core.config import Settings
from app.core.errors import ApiError
from app.core.ratelimit import LoginLimiter
from app.core.security import create_token, verify_login
from app.models.audit import add_audit
from app.schemas.auth import LoginIn, TokenOut, UserOut
from app.schemas.errors import error_responses

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/auth", tags=["auth"])

# A TOTP code stays valid one step either side (clock drift); each is accepted once.
_OTP_WINDOW_STEPS = 1
_OTP_MEMORY_SECONDS = 30 * (2 * _OTP_WINDOW_STEPS + 2)


@router.post("/login", responses=error_responses(400, 401, 422, 429, 503))
async def login(
    body: LoginIn, request: Request, settings: SettingsDep, redis: RedisDep
) -> TokenOut:
    """A bearer token for the admin; with ADMIN_TOTP_SECRET set, `otp` (the app's code) too."""
    client = request.client.host if request.client else "unknown"
    limiter = LoginLimiter(
        redis,
        settings.login_attempts_per_minute,
        settings.login_lockout_seconds,
        settings.login_lockout_max_seconds,
    )
    wait = await limiter.retry_after(body.username, client)
    if wait:
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed logins for this user from your address; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    password_ok = verify_login(
        body.username, body.password, settings.admin_username, settings.admin_password_hash
    )
    if password_ok and await _second_factor_ok(settings, redis, body.otp):
        await limiter.reset(body.username, client)
        issued = create_token(
            body.username, settings.token_secret, timedelta(minutes=settings.token_ttl_minutes)
        )
        logger.info("login succeeded", extra={"user": body.username, "client": client})
        return TokenOut(access_token=issued.token, expires_at=issued.expires_at)
    failures, locked_for = await limiter.record_failure(body.username, client)
    logger.warning(
        "login failed",
        extra={"user": body.username, "client": client, "failures": failures},
    )
    await _audit_failure(request.app.state.sessions, body.username, client, failures, locked_for)
    if password_ok:
        raise ApiError(401, "invalid_otp", "The one-time code is missing, wrong or already used.")
    raise ApiError(401, "invalid_credentials", "Wrong user name or password.")


async def _second_factor_ok(settings: Settings, redis: Redis, otp: str | None) -> bool:
    if settings.admin_totp_secret is None:
        return True
    if otp is None or not pyotp.TOTP(settings.admin_totp_secret).verify(
        otp, valid_window=_OTP_WINDOW_STEPS
    ):
        return False
    # A code seen within its validity is refused: one that was watched cannot be replayed.
    first_use = await redis.set(f"login-otp-used:{otp}", 1, ex=_OTP_MEMORY_SECONDS, nx=True)
    return bool(first_use)


async def _audit_failure(
    sessions: async_sessionmaker[AsyncSession],
    username: str,
    client: str,
    failures: int,
    locked_for: float,
) -> None:
    """An audit row per failed login; a database outage loses the row, never the 401."""
    try:
        async with sessions() as session, session.begin():
            add_audit(
                session,
                username,
                "login_failed",
                "auth",
                username,
                after={"client": client, "failures": failures, "locked_seconds": locked_for},
            )
    except (SQLAlchemyError, OSError) as error:
        logger.warning("could not audit a failed login: %s", error)


@router.get("/me", responses=error_responses(401))
async def me(user: CurrentUser) -> UserOut:
    return UserOut(username=user)
