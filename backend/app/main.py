"""The ASGI application: FastAPI under /api/, Socket.IO under /ws/socket.io/."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import socketio
from fastapi import Depends, FastAPI

from app import __version__
from app.api.deps import current_user
from app.api.live_events import ShapedPublisher
from app.api.main import api_router
from app.api.routes.health import CachedChecks
from app.core.config import Settings, load_settings_or_exit
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import install_error_handlers
from app.core.events import LiveEventServer
from app.core.input_guard import InputGuardMiddleware
from app.core.logging import configure_logging
from app.core.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from app.core.redis import make_redis
from app.engine.service import EngineService
from app.notify.room import Notifications
from app.research.backtests import BacktestJobs
from app.research.jobs import SearchJobs
from app.strategies import load_user_strategies

logger = logging.getLogger(__name__)


@asynccontextmanager
async def lifespan(api: FastAPI) -> AsyncIterator[None]:
    settings: Settings = api.state.settings
    api.state.db_engine = make_engine(settings.database_url)
    api.state.sessions = make_sessionmaker(api.state.db_engine)
    api.state.redis = make_redis(settings.redis_url)
    # The engine's own connections: a burst of API requests waiting for the pool never delays a bar.
    api.state.engine_db = make_engine(settings.database_url, pool_size=5, max_overflow=5)
    logger.info("trading-bot %s starting (environment %s)", __version__, settings.environment)
    load_user_strategies(Path(settings.strategies_dir) if settings.strategies_dir else None)
    api.state.notifications = Notifications(settings, api.state.sessions)
    api.state.engine = EngineService(
        settings,
        make_sessionmaker(api.state.engine_db),
        api.state.redis,
        ShapedPublisher(api.state.notifications.publisher(api.state.publisher)),
        alerts=api.state.notifications.alerts,
    )
    api.state.notifications.attach(api.state.engine, api.state.redis)
    await api.state.engine.start()
    api.state.backtests = BacktestJobs(api.state.redis)
    api.state.searches = SearchJobs()
    try:
        yield
    finally:
        await api.state.backtests.close()
        await api.state.searches.close()
        await api.state.engine.close()
        await api.state.notifications.close()
        await api.state.redis.aclose()
        await api.state.engine_db.dispose()
        await api.state.db_engine.dispose()


def create_api(settings: Settings, live: LiveEventServer) -> FastAPI:
    # Outside development and tests the schema is for logged-in clients only and there is no
    # Swagger page (it loads from a CDN); `api.openapi()` gives the schema in-process everywhere.
    public_docs = settings.environment != "production"
    api = FastAPI(
        title="trading-bot",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/openapi.json" if public_docs else None,
        docs_url="/api/docs" if public_docs else None,
        redoc_url=None,
    )
    api.state.settings = settings
    api.state.publisher = live
    api.state.health_checks = CachedChecks(settings.health_cache_seconds)
    install_error_handlers(api)
    api.include_router(api_router, prefix="/api")
    if not public_docs:

        @api.get("/api/openapi.json", include_in_schema=False, dependencies=[Depends(current_user)])
        async def openapi_behind_login() -> dict[str, Any]:
            return api.openapi()

    api.add_middleware(
        InputGuardMiddleware,
        max_json_bytes=settings.max_json_bytes,
        max_json_depth=settings.max_json_depth,
    )
    api.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_bytes)
    api.add_middleware(RequestContextMiddleware)
    return api


def create_app(settings: Settings) -> tuple[FastAPI, socketio.ASGIApp]:
    configure_logging(settings.log_level, settings.log_json)
    live = LiveEventServer(settings.redis_url, settings.token_secret)
    api = create_api(settings, live)
    return api, live.asgi(api)


api, app = create_app(load_settings_or_exit())
