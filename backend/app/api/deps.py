"""Typed dependencies that routes declare: settings, database session, Redis, the logged-in user.

All are `async def` although none awaits: FastAPI runs a plain `def` dependency in its thread
pool, a thread hop per request that costs more than the dependency itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import ApiError
from app.core.events import Publisher
from app.core.security import InvalidToken, decode_token


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_redis(request: Request) -> Redis:
    redis: Redis = request.app.state.redis
    return redis


async def get_publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        yield session


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for a read-only route in autocommit: no BEGIN and ROLLBACK round trips around
    its one statement (a list page and its count are one statement, see api/paging.py)."""
    sessions: async_sessionmaker[AsyncSession] = request.app.state.sessions
    async with sessions() as session:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
RedisDep = Annotated[Redis, Depends(get_redis)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
PublisherDep = Annotated[Publisher, Depends(get_publisher)]

_bearer = HTTPBearer(auto_error=False)


async def current_user(
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise ApiError(
            401,
            "not_authenticated",
            "Log in first: this route needs a bearer token.",
            headers=challenge,
        )
    try:
        user = decode_token(credentials.credentials, settings.token_secret)
    except InvalidToken as error:
        raise ApiError(
            401, "invalid_token", f"The bearer token is not accepted: {error}.", headers=challenge
        ) from None
    if user != settings.admin_username:
        raise ApiError(
            401, "invalid_token", "The bearer token names an unknown user.", headers=challenge
        )
    return user


CurrentUser = Annotated[str, Depends(current_user)]
