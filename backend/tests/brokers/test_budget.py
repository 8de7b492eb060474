"""The request budget: a validated share of Alpaca's limit, and a bucket that never exceeds it."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import ValidationError

from app.brokers.budget import RequestBudget
from app.core.config import Settings


@pytest.mark.parametrize("share", [0.0, 0.01, 0.95, 1.5])
def test_a_share_outside_the_range_is_refused_naming_it(share: float) -> None:
    with pytest.raises(ValueError, match=f"the request budget {share} is not a share between"):
        RequestBudget(share)
    with pytest.raises(ValidationError, match="alpaca_request_budget"):
        Settings(alpaca_request_budget=share)


def test_a_budget_too_small_to_pace_is_refused() -> None:
    with pytest.raises(ValueError, match="too small"):
        RequestBudget(0.05, limit=20)


async def test_no_window_holds_more_reads_than_the_budget() -> None:
    budget = RequestBudget(0.5, limit=40, window=0.5)  # 20 reads per half second
    loop = asyncio.get_running_loop()
    times: list[float] = []

    async def read() -> None:
        await budget.acquire()
        times.append(loop.time())

    await asyncio.gather(*(read() for _ in range(50)))
    busiest = max(sum(1 for t in times if first <= t < first + 0.5) for first in times)
    assert busiest <= 20
    assert budget.reads == 20
