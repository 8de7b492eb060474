"""Retry with exponential backoff and jitter, so a 429 storm or a blip does not stop the bot.

The one retry layer: broker adapters wrap each call in it; nothing above them retries again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from app.brokers.base import BrokerError, BrokerUnavailable
from app.brokers.health import CallHealth

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry a transient broker fault."""

    attempts: int = 6
    base_delay: float = 0.5  # seconds before the first retry; doubles each time
    max_delay: float = 10.0
    max_retry_after: float = 65.0  # the longest wait a broker's Retry-After is obeyed for

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"RetryPolicy.attempts must be at least 1, got {self.attempts}")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(
                "RetryPolicy needs 0 <= base_delay <= max_delay, "
                f"got base_delay={self.base_delay} max_delay={self.max_delay}"
            )

    def delay(self, retry: int) -> float:
        """Seconds before retry number `retry` (from 1): equal jitter on a capped doubling."""
        capped = min(self.max_delay, self.base_delay * 2 ** (retry - 1))
        return float(capped / 2 + random.uniform(0, capped / 2))  # noqa: S311 - jitter, not crypto


async def with_retry(
    call: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    what: str,
    health: CallHealth,
    idempotent: bool = True,
) -> T:
    """Run `call`, retrying `BrokerUnavailable`; non-idempotent calls only if unprocessed."""
    retry = 0
    while True:
        try:
            result = await call()
        except BrokerUnavailable as exc:
            health.note(exc)
            retry += 1
            if retry >= policy.attempts or (exc.maybe_processed and not idempotent):
                raise
            wait = policy.delay(retry)
            if exc.retry_after is not None:  # the broker said when: never sooner than that
                if exc.retry_after > policy.max_retry_after:
                    raise
                wait = max(wait, exc.retry_after)
            logger.warning("%s failed (%s); retry %d in %.2fs", what, exc, retry, wait)
            await asyncio.sleep(wait)
        except BrokerError as exc:
            health.note(exc)
            raise
        else:
            health.note(None)
            return result
