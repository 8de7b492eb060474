"""A fresh fake Alpaca per test, and the real SDK-based adapters pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.brokers.alpaca import AlpacaBroker
from app.marketdata.alpaca import AlpacaMarketData

from .clients import sdk_broker, sdk_market_data
from .server import FakeAlpaca


@pytest.fixture
async def fake() -> AsyncIterator[FakeAlpaca]:
    async with FakeAlpaca(prices={"AAPL": 100.0, "MSFT": 400.0}) as server:
        yield server


@pytest.fixture
async def broker(fake: FakeAlpaca) -> AsyncIterator[AlpacaBroker]:
    adapter = sdk_broker(fake)
    yield adapter
    await adapter.close()


@pytest.fixture
def market_data(fake: FakeAlpaca) -> AlpacaMarketData:
    return sdk_market_data(fake)
