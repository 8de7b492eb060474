"""The notification room assembled from settings: targets, the event feed and operator alerts."""

from __future__ import annotations

import logging

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import NotifyTargetConfig, Settings
from app.core.events import Publisher
from app.engine.service import EngineService
from app.notify.alerts import ALERT_TITLES, AlertSender
from app.notify.daily import DailySummary
from app.notify.dispatch import Dispatcher, DispatchOptions
from app.notify.feed import EventFeed, NotifyingPublisher
from app.notify.telegram import CommandBot

logger = logging.getLogger(__name__)


def webhook_as_apprise(url: str) -> NotifyTargetConfig:
    """ALERT_WEBHOOK_URL kept working: Apprise's JSON target POSTs to the same address."""
    scheme, rest = url.split("://", 1) if "://" in url else ("http", url)
    apprise_scheme = {"http": "json", "https": "jsons"}.get(scheme.lower())
    if apprise_scheme is None:
        raise ValueError("ALERT_WEBHOOK_URL must be an http:// or https:// URL")
    return NotifyTargetConfig(url=f"{apprise_scheme}://{rest}", events=list(ALERT_TITLES))


def notify_targets(settings: Settings) -> list[NotifyTargetConfig]:
    targets = list(settings.notify_urls)
    if settings.alert_webhook_url:
        targets.append(webhook_as_apprise(settings.alert_webhook_url))
    return targets


def dispatch_options(settings: Settings) -> DispatchOptions:
    return DispatchOptions(
        timeout_seconds=settings.notify_timeout_seconds,
        per_minute=settings.notify_per_minute,
        queue_size=settings.notify_queue_size,
        retries=settings.notify_retries,
        backoff_seconds=settings.notify_backoff_seconds,
    )


class Notifications:
    """What the app holds of this room: the dispatcher, the feed behind the publisher, alerts."""

    def __init__(self, settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._settings = settings
        self._sessions = sessions
        self.bot: CommandBot | None = None
        self.daily: DailySummary | None = None
        self.dispatcher = Dispatcher(
            notify_targets(settings), dispatch_options(settings), settings.dashboard_url
        )
        self.feed = EventFeed(self.dispatcher, sessions)
        self.alerts = AlertSender(self.dispatcher)
        services = ", ".join(t.service for t in self.dispatcher.targets) or "none"
        logger.info("notification targets: %s", services)

    def publisher(self, inner: Publisher) -> NotifyingPublisher:
        return NotifyingPublisher(inner, self.feed)

    def attach(self, engine: EngineService, redis: Redis) -> None:
        """Start what needs the engine's facade: the daily summary and the Telegram commands."""
        s = self._settings
        self.daily = DailySummary(engine, self._sessions, redis, self.dispatcher)
        self.daily.start()
        if s.telegram_bot_token:
            self.bot = CommandBot(
                s.telegram_bot_token, s.telegram_chats, engine, self._sessions, s.telegram_base_url
            )
            self.bot.start()
            logger.info("Telegram commands on for %d chat(s)", len(s.telegram_chats))

    async def close(self) -> None:
        if self.daily is not None:
            await self.daily.close()
        if self.bot is not None:
            await self.bot.close()
        await self.feed.close()
        await self.dispatcher.close()
