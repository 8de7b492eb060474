"""Sends notices to Apprise URLs in the background: one queue and worker per URL, so a hanging
service delays nobody; each URL is throttled, retried with backoff and counted in metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import apprise
from prometheus_client import Counter

from app.core.config import NotifyTargetConfig
from app.core.metrics import REGISTRY
from app.notify.catalog import FAILURES, WARNINGS, Notice, check_events

logger = logging.getLogger(__name__)

NOTIFICATIONS = Counter(
    "trading_bot_notifications",
    "Notifications by target service and outcome (sent, failed, retried, dropped, folded)",
    ["service", "outcome"],
    registry=REGISTRY,
)


@dataclass(frozen=True, slots=True)
class DispatchOptions:
    timeout_seconds: float = 10.0
    per_minute: int = 10
    queue_size: int = 200
    retries: int = 3
    backoff_seconds: float = 2.0
    window_seconds: float = 60.0  # the throttle's window: `per_minute` messages in it


@dataclass(frozen=True, slots=True)
class TargetInfo:
    """What the dashboard may show of a target: never its URL (it holds tokens)."""

    index: int
    service: str
    events: list[str] | None


def _notify_type(event: str) -> apprise.NotifyType:
    if event in FAILURES:
        return apprise.NotifyType.FAILURE
    if event in WARNINGS:
        return apprise.NotifyType.WARNING
    return apprise.NotifyType.INFO


def fold(notices: list[Notice]) -> Notice:
    """Everything a throttled URL held back, as one message."""
    if len(notices) == 1:
        return notices[0]
    lines = "\n".join(f"- {n.title}" for n in notices[:20])
    more = f"\n... and {len(notices) - 20} more" if len(notices) > 20 else ""
    worst = next((n.event for n in notices if n.event in WARNINGS | FAILURES), notices[0].event)
    return Notice(worst, f"{len(notices)} notifications", f"{lines}{more}")


class Target:
    """One Apprise URL with its own queue, throttle window and sending thread."""

    def __init__(
        self, index: int, config: NotifyTargetConfig, options: DispatchOptions, dashboard: str
    ) -> None:
        check_events(config.events, f"NOTIFY_URLS item {index}")
        plugin = apprise.Apprise.instantiate(config.url)
        if plugin is None:
            raise ValueError(f"NOTIFY_URLS item {index} is not a URL Apprise understands")
        self.info = TargetInfo(index, str(plugin.service_name), config.events)
        plugin.request_rate_per_sec = 0  # Apprise's fixed spacing; the window below governs
        self._apprise = apprise.Apprise()
        self._apprise.add(plugin)
        self._options = options
        self._dashboard = dashboard
        self._queue: asyncio.Queue[Notice] = asyncio.Queue(options.queue_size)
        self._sent: deque[float] = deque()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=f"notify-{index}")
        self._worker: asyncio.Task[None] | None = None

    def wants(self, event: str) -> bool:
        return self.info.events is None or event in self.info.events

    def offer(self, notice: Notice) -> None:
        """Queue without waiting; a full queue drops the oldest notice (counted)."""
        if self._queue.full():
            self._queue.get_nowait()
            self._queue.task_done()
            NOTIFICATIONS.labels(self.info.service, "dropped").inc()
        self._queue.put_nowait(notice)
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name=f"notify-{self.info.index}")

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            wait = self._slot_free_in()
            if wait > 0:
                await asyncio.sleep(wait)
                while not self._queue.empty():
                    batch.append(self._queue.get_nowait())
                if len(batch) > 1:
                    NOTIFICATIONS.labels(self.info.service, "folded").inc(len(batch))
            self._sent.append(time.monotonic())
            await self.deliver(fold(batch))
            for _ in batch:
                self._queue.task_done()

    def _slot_free_in(self) -> float:
        now = time.monotonic()
        window = self._options.window_seconds
        while self._sent and self._sent[0] <= now - window:
            self._sent.popleft()
        if len(self._sent) < self._options.per_minute:
            return 0.0
        return self._sent[0] + window - now

    async def deliver(self, notice: Notice, retries: int | None = None) -> bool:
        """Send now, retrying with backoff; True once the service took it."""
        retries = self._options.retries if retries is None else retries
        for attempt in range(retries + 1):
            if attempt:
                NOTIFICATIONS.labels(self.info.service, "retried").inc()
                await asyncio.sleep(self._options.backoff_seconds * 2 ** (attempt - 1))
            if await self._send_once(notice):
                NOTIFICATIONS.labels(self.info.service, "sent").inc()
                return True
        NOTIFICATIONS.labels(self.info.service, "failed").inc()
        logger.error(
            "notification %s not delivered to target %d (%s) after %d attempts",
            notice.event,
            self.info.index,
            self.info.service,
            retries + 1,
        )
        return False

    async def _send_once(self, notice: Notice) -> bool:
        loop = asyncio.get_running_loop()
        call = loop.run_in_executor(
            self._thread,
            lambda: self._apprise.notify(
                body=notice.text(self._dashboard),
                title=notice.title,
                notify_type=_notify_type(notice.event),
            ),
        )
        try:
            async with asyncio.timeout(self._options.timeout_seconds):
                return bool(await call)
        except TimeoutError:
            logger.warning("target %d (%s) timed out", self.info.index, self.info.service)
        except Exception:  # a plugin bug must not end the worker
            logger.exception("target %d (%s) failed", self.info.index, self.info.service)
        return False

    async def close(self, within: float) -> None:
        """Give queued notices `within` seconds to go out, then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), within)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        self._thread.shutdown(wait=False, cancel_futures=True)


class Dispatcher:
    """Hands each notice to every target that wants its event, never waiting for delivery."""

    def __init__(
        self, configs: list[NotifyTargetConfig], options: DispatchOptions, dashboard_url: str
    ) -> None:
        self._targets = [
            Target(index, config, options, dashboard_url) for index, config in enumerate(configs)
        ]

    @property
    def targets(self) -> list[TargetInfo]:
        return [target.info for target in self._targets]

    def notify(self, notice: Notice) -> None:
        logger.info("notice %s: %s", notice.event, notice.title)
        for target in self._targets:
            if target.wants(notice.event):
                target.offer(notice)

    async def send_now(self, notice: Notice) -> list[bool]:
        """Deliver to every target that wants it and wait (a one-shot command's way)."""
        wanting = [t for t in self._targets if t.wants(notice.event)]
        return list(await asyncio.gather(*(t.deliver(notice) for t in wanting)))

    async def test(self, index: int) -> bool:
        """Send a test message to one target now, once, and say whether it arrived."""
        if not 0 <= index < len(self._targets):
            raise IndexError(index)
        notice = Notice("test", "Test message", "trading-bot can reach you here.")
        return await self._targets[index].deliver(notice, retries=0)

    async def close(self, within: float = 5.0) -> None:
        await asyncio.gather(*(target.close(within) for target in self._targets))
