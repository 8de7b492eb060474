"""The real SDK-based adapters, pointed at a fake Alpaca with short timeouts and fast retries."""

from __future__ import annotations

from typing import Any

from app.brokers.alpaca import AlpacaBroker, AlpacaConfig
from app.brokers.retry import RetryPolicy
from app.marketdata.alpaca import AlpacaDataConfig, AlpacaMarketData

from .server import KEY_ID, SECRET, FakeAlpaca

FAST_RETRY = RetryPolicy(attempts=6, base_delay=0.01, max_delay=0.05)


def sdk_broker(fake: FakeAlpaca, **config: Any) -> AlpacaBroker:
    """The broker; its reads are paced only where a test sets a rate limit (as the double)."""
    config.setdefault("rate_limit", 1_000_000)
    return AlpacaBroker(
        AlpacaConfig(
            api_key=KEY_ID,
            secret_key=SECRET,
            base_url=fake.base_url,
            request_timeout=0.5,
            retry=FAST_RETRY,
            **config,
        )
    )


def sdk_market_data(fake: FakeAlpaca) -> AlpacaMarketData:
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
