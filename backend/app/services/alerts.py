"""Alerts to an operator's webhook: posted in the background so trading never waits on them."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime
from typing import Any

import httpx

from app.brokers.base import Broker, BrokerError
from app.core.metrics import bar_age, unavailable_streak

logger = logging.getLogger(__name__)


class AlertSender:
    """Fire-and-forget POSTs of {"event", "message", "at", "details"}; failures are only logged."""

    def __init__(self, url: str | None, timeout_seconds: float) -> None:
        self._url = url
        self._client = httpx.AsyncClient(timeout=timeout_seconds) if url else None
        self._pending: set[asyncio.Task[None]] = set()

    def send(self, event: str, message: str, details: dict[str, Any] | None = None) -> None:
        """Log the alert and, when a webhook is set, post it without waiting for the answer."""
        logger.warning("alert %s: %s", event, message)
        if self._client is None:
            return
        body = {
            "event": event,
            "message": message,
            "at": datetime.now(UTC).isoformat(),
            "details": details or {},
        }
        task = asyncio.create_task(self._post(self._client, body), name=f"alert-{event}")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _post(self, client: httpx.AsyncClient, body: dict[str, Any]) -> None:
        assert self._url is not None
        try:
            response = await client.post(self._url, json=body)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            logger.error("alert %s not delivered to the webhook: %r", body["event"], exc)

    async def close(self) -> None:
        """Let alerts in flight finish (each within its timeout), then close the connection pool."""
        if self._pending:
            await asyncio.wait(set(self._pending))
        if self._client is not None:
            await self._client.aclose()


class EngineWatch:
    """One alert per episode of broker outage or stale data, checked on each supervisor tick."""

    def __init__(
        self,
        alerts: AlertSender,
        broker: Broker,
        broker_failures: int,
        stale_seconds: float,
        started: float | None = None,
    ) -> None:
        self._alerts = alerts
        self._broker = broker
        self._broker_failures = broker_failures
        self._stale_seconds = stale_seconds
        self._started = time.monotonic() if started is None else started
        self._outage = False
        self._stale = False
        self._next_clock_check = 0.0

    async def check(self) -> None:
        """Never raises: a failed check must not stop the trading it watches."""
        self._check_broker()
        try:
            await self._check_bars()
        except (BrokerError, TimeoutError) as exc:
            logger.warning("stale-data check could not read the market clock: %s", exc)

    def _check_broker(self) -> None:
        streak = unavailable_streak()
        if streak >= self._broker_failures and not self._outage:
            self._outage = True
            self._alerts.send(
                "broker_outage",
                f"the broker was unavailable {streak} times in a row",
                {"consecutive_failures": streak},
            )
        elif streak == 0:
            self._outage = False

    async def _check_bars(self) -> None:
        now = time.monotonic()
        age = bar_age()
        quiet = now - self._started if age is None else min(age, now - self._started)
        if quiet < self._stale_seconds:
            self._stale = False
            return
        if self._stale or now < self._next_clock_check:
            return
        self._next_clock_check = now + self._stale_seconds
        async with asyncio.timeout(min(self._stale_seconds, 10.0)):
            clock = await self._broker.get_clock()
        if clock.is_open:
            self._stale = True
            self._alerts.send(
                "stale_data",
                f"no bar for {quiet:.0f} s while the market is open",
                {"seconds_without_bar": round(quiet, 1), "limit_seconds": self._stale_seconds},
            )
