"""A fresh fake Alpaca per test, and the real SDK-based adapters pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.brokers.alpaca import AlpacaBroker, AlpacaConfig
from app.brokers.retry import RetryPolicy
from app.marketdata.alpaca import AlpacaDataConfig, AlpacaMarketData

from .server import KEY_ID, SECRET, FakeAlpaca

FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAlpaca]:
    async with FakeAlpaca(prices={"AAPL": 100.0, "MSFT": 400.0}) as server:
        yield server


@pytest.fixture
async def broker(fake: FakeAlpaca) -> AsyncIterator[AlpacaBroker]:
    adapter = AlpacaBroker(
        AlpacaConfig(
            api_key=KEY_ID,
            secret_key=SECRET,
            base_url=fake.base_url,
            request_timeout=0.5,
            retry=FAST_RETRY,
        )
    )
    yield adapter
    await adapter.close()


@pytest.fixture
def market_data(fake: FakeAlpaca) -> AlpacaMarketData:
    return AlpacaMarketData(
        AlpacaDataConfig(
            api_key=KEY_ID,
            secret_key=SECRET,
            data_url=fake.base_url,
            stream_url=fake.data_stream_url,
            request_timeout=0.5,
            retry=FAST_RETRY,
        )
    )
