"""The engine process (`python -m app.worker`): the trading engine with its own connections, its
notification room and its end of the command channel, so API load never shares its event loop.
The API's process runs the same worker as a task when ENGINE_PROCESS=inline."""

from __future__ import annotations

import asyncio
import logging
import signal
from pathlib import Path

from app import __version__
from app.api.live_events import ShapedPublisher
from app.core.config import Settings, load_settings_or_exit
from app.core.db import make_engine, make_sessionmaker
from app.core.events import RedisPublisher
from app.core.logging import configure_logging
from app.core.redis import make_redis
from app.engine.command_server import CommandServer
from app.engine.service import EngineService
from app.engine.wiring import Venue
from app.notify.room import Notifications
from app.strategies import load_user_strategies

logger = logging.getLogger(__name__)


class EngineWorker:
    """Starts and closes the engine and what serves it; one per engine process."""

    def __init__(self, settings: Settings, venue: Venue | None = None) -> None:
        self.settings = settings
        self._db = make_engine(settings.database_url, pool_size=5, max_overflow=5)
        sessions = make_sessionmaker(self._db)
        self._redis = make_redis(settings.redis_url)
        self.notifications = Notifications(settings, sessions)
        live = self.notifications.publisher(RedisPublisher(settings.redis_url))
        self.engine = EngineService(
            settings,
            sessions,
            self._redis,
            ShapedPublisher(live),
            venue=venue,
            alerts=self.notifications.alerts,
        )
        self.commands = CommandServer(self._redis, self.engine, settings.engine_lock_ttl_seconds)

    async def start(self) -> None:
        self.notifications.attach(self.engine, self._redis)
        await self.engine.start()
        await self.commands.start()
        logger.info("engine worker %s ready (%s)", self.engine.holder, self.settings.engine_process)

    async def close(self) -> None:
        await self.commands.close()
        await self.engine.close()
        await self.notifications.close()
        await self._redis.aclose()
        await self._db.dispose()


async def serve(settings: Settings) -> None:
    """Run the worker until SIGTERM or SIGINT, then close it (releasing its locks)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    worker = EngineWorker(settings)
    await worker.start()
    try:
        await stop.wait()
    finally:
        logger.info("engine worker stopping")
        await worker.close()


def main() -> None:
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_json)
    logger.info("trading-bot %s engine process (environment %s)", __version__, settings.environment)
    load_user_strategies(Path(settings.strategies_dir) if settings.strategies_dir else None)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
