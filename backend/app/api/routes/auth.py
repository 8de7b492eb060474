"""Login for the single admin account, with failed attempts limited per client address."""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import APIRouter, Request

from app.api.deps import CurrentUser, RedisDep, SettingsDep
from app.core.errors import ApiError
from app.core.ratelimit import LoginLimiter
from app.core.security import DEVELOPMENT_PASSWORD, create_token, verify_password
from app.schemas.auth import LoginRequest, TokenResponse, UserResponse
from app.schemas.errors import error_responses

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", responses=error_responses(400, 401, 422, 429))
async def login(
    body: LoginRequest, request: Request, settings: SettingsDep, redis: RedisDep
) -> TokenResponse:
    client = request.client.host if request.client else "unknown"
    limiter = LoginLimiter(redis, settings.login_attempts_per_minute)
    wait = await limiter.retry_after(client)
    if wait:
        raise ApiError(
            429,
            "too_many_attempts",
            f"Too many failed logins; try again in {wait} s.",
            headers={"Retry-After": str(wait)},
        )
    if body.username == settings.admin_username and _password_ok(
        body.password, settings.admin_password_hash
    ):
        await limiter.reset(client)
        issued = create_token(
            body.username, settings.token_secret, timedelta(minutes=settings.token_ttl_minutes)
        )
        logger.info("login succeeded", extra={"user": body.username, "client": client})
        return TokenResponse(access_token=issued.token, expires_at=issued.expires_at)
    await limiter.record_failure(client)
    logger.warning("login failed", extra={"user": body.username, "client": client})
    raise ApiError(401, "invalid_credentials", "Wrong user name or password.")


def _password_ok(password: str, password_hash: str | None) -> bool:
    if password_hash is None:  # development only: production settings refuse a missing hash
        return password == DEVELOPMENT_PASSWORD
    return verify_password(password, password_hash)


@router.get("/me", responses=error_responses(401))
async def me(user: CurrentUser) -> UserResponse:
    return UserResponse(username=user)
