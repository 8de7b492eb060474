"""Watches a trading run for broker outages and stale data; alerts go to an AlertSink.

Stale data while the market is open also renews the market data subscription (the source then
backfills what it missed), once per stale interval until bars flow again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from app.brokers.base import Broker, BrokerError
from app.brokers.health import CallHealth
from app.marketdata.base import MarketData

logger = logging.getLogger(__name__)


class AlertSink(Protocol):
    """Where the engine's operator alerts go (the notification room implements it)."""

    def send(self, event: str, message: str, details: dict[str, Any] | None = None) -> None: ...


class LogOnly:
    """The sink when nothing else is wired: the alert is a WARNING in the log."""

    def send(self, event: str, message: str, details: dict[str, Any] | None = None) -> None:
        logger.warning("alert %s: %s %s", event, message, details or "")


class BarClock:
    """When this process last received a bar, for the stale-data alert and the metrics."""

    def __init__(self) -> None:
        self._last: float | None = None

    def tick(self) -> None:
        self._last = time.monotonic()

    def age(self) -> float | None:
        """Seconds since the last bar, None before the first."""
        return None if self._last is None else time.monotonic() - self._last


class EngineWatch:
    """One alert per episode of broker outage or stale data, checked on each supervisor tick."""

    def __init__(
        self,
        alerts: AlertSink,
        broker: Broker,
        health: CallHealth,
        bars: BarClock,
        broker_failures: int,
        stale_seconds: float,
        started: float | None = None,
        market_data: MarketData | None = None,
    ) -> None:
        self._alerts = alerts
        self._broker = broker
        self._health = health
        self._bars = bars
        self._broker_failures = broker_failures
        self._stale_seconds = stale_seconds
        self._started = time.monotonic() if started is None else started
        self._market_data = market_data
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
        streak = self._health.unavailable_streak
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
        age = self._bars.age()
        quiet = now - self._started if age is None else min(age, now - self._started)
        if quiet < self._stale_seconds:
            self._stale = False
            return
        if now < self._next_clock_check:
            return
        self._next_clock_check = now + self._stale_seconds
        async with asyncio.timeout(min(self._stale_seconds, 10.0)):
            clock = await self._broker.get_clock()
        if not clock.is_open:
            return
        if not self._stale:
            self._stale = True
            self._alerts.send(
                "stale_data",
                f"no bar for {quiet:.0f} s while the market is open",
                {"seconds_without_bar": round(quiet, 1), "limit_seconds": self._stale_seconds},
            )
        if self._market_data is not None:
            try:
                async with asyncio.timeout(min(self._stale_seconds, 10.0)):
                    await self._market_data.resubscribe()
            except Exception:
                logger.exception("resubscribing to the market data failed; retrying later")
