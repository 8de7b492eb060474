"""The ASGI application: FastAPI under /api/, Socket.IO under /ws/socket.io/."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import socketio
from fastapi import FastAPI

from app import __version__
from app.api.main import api_router
from app.core.config import Settings, load_settings_or_exit
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import install_error_handlers
from app.core.events import LiveEventServer
from app.core.logging import configure_logging
from app.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from app.core.redis import make_redis
from app.engine.service import EngineService
from app.research.jobs import SearchJobs
from app.services.backtests import BacktestJobs

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(api: FastAPI) -> AsyncIterator[None]:
    settings: Settings = api.state.settings
    api.state.db_engine = make_engine(settings.database_url)
    api.state.sessions = make_sessionmaker(api.state.db_engine)
    api.state.redis = make_redis(settings.redis_url)
    logger.info("trading-bot %s starting (environment %s)", __version__, settings.environment)
    api.state.engine = EngineService(
        settings, api.state.sessions, api.state.redis, api.state.publisher
    )
    await api.state.engine.start()
    api.state.backtests = BacktestJobs(api.state.redis)
    api.state.searches = SearchJobs()
    try:
        yield
    finally:
        await api.state.backtests.close()
        await api.state.searches.close()
        await api.state.engine.close()
        await api.state.redis.aclose()
        await api.state.db_engine.dispose()


def create_api(settings: Settings, live: LiveEventServer) -> FastAPI:
    api = FastAPI(
        title="trading-bot",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    api.state.settings = settings
    api.state.publisher = live
    install_error_handlers(api)
    api.include_router(api_router, prefix="/api")
    api.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    api.add_middleware(RequestContextMiddleware)
    return api


def create_app(settings: Settings) -> tuple[FastAPI, socketio.ASGIApp]:
    configure_logging(settings.log_level, settings.log_json)
    live = LiveEventServer(settings.redis_url, settings.token_secret)
    api = create_api(settings, live)
    return api, live.asgi(api)


api, app = create_app(load_settings_or_exit())
