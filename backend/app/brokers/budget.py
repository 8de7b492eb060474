"""The bot's reads of Alpaca's trading API, paced to a share of the key's request limit.

Alpaca answers 429 past 200 requests a minute per key. Polling, reconciliation and the equity
curve read on timers; with many positions open they alone could spend the minute and leave an
order waiting behind 429s. So reads wait for room in a leaky bucket (aiolimiter's), sized so
that no window of the limit's length ever holds more reads than the budget; orders and cancels
never wait and have the rest of the limit to themselves.
"""

from __future__ import annotations

import logging

from aiolimiter import AsyncLimiter

from app.core.config import REQUEST_BUDGET_MAX, REQUEST_BUDGET_MIN

logger = logging.getLogger(__name__)

ALPACA_REQUESTS_PER_MINUTE = 200  # Alpaca's documented default limit per API key


class RequestBudget:
    """At most `share` of `limit` reads in any `window` seconds, in bursts of a tenth of it."""

    def __init__(
        self, share: float, limit: int = ALPACA_REQUESTS_PER_MINUTE, window: float = 60.0
    ) -> None:
        if not REQUEST_BUDGET_MIN <= share <= REQUEST_BUDGET_MAX:
            raise ValueError(
                f"the request budget {share} is not a share between {REQUEST_BUDGET_MIN} and "
                f"{REQUEST_BUDGET_MAX} of Alpaca's {limit} requests a minute"
            )
        if limit < 1 or window <= 0:
            raise ValueError(f"a rate limit of {limit} requests per {window} s is not one")
        self.reads = share * limit  # per window
        if self.reads < 2:
            raise ValueError(f"a budget of {self.reads:g} reads per {window} s is too small")
        burst = max(1.0, self.reads / 10)
        rate = (self.reads - burst) / window  # a full bucket plus a window's leak <= the budget
        self._bucket = AsyncLimiter(burst, burst / rate)

    async def acquire(self) -> None:
        """Wait until one more read fits the budget."""
        if not self._bucket.has_capacity():
            logger.debug("request budget spent: a read waits")
        await self._bucket.acquire()
