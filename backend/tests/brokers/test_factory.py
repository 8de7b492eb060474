"""The factories choose Alpaca only with both keys, and the offline market otherwise."""

from __future__ import annotations

import pytest

from app.brokers.alpaca import AlpacaBroker
from app.brokers.factory import make_broker
from app.brokers.sim import SimBroker, SimBrokerConfig
from app.marketdata.alpaca import AlpacaMarketData
from app.marketdata.factory import make_market_data


def test_no_keys_means_the_simulation() -> None:
    broker = make_broker(api_key=None, secret_key=None, sim=SimBrokerConfig(cash=5_000))
    assert isinstance(broker, SimBroker) and broker.config.cash == 5_000
    assert make_market_data(api_key=None, secret_key=None, speed=0).source == "simulated"


def test_keys_mean_alpaca_paper_unless_live_is_asked_for_twice() -> None:
    assert isinstance(make_broker(api_key="k", secret_key="s"), AlpacaBroker)
    assert isinstance(make_market_data(api_key="k", secret_key="s"), AlpacaMarketData)
    with pytest.raises(ValueError, match="live flag is off"):
        make_broker(api_key="k", secret_key="s", base_url="https://api.alpaca.markets")


def test_half_a_key_pair_is_an_error() -> None:
    with pytest.raises(ValueError, match="both ALPACA_API_KEY and ALPACA_SECRET_KEY"):
        make_broker(api_key="k", secret_key=None)
    with pytest.raises(ValueError, match="both ALPACA_API_KEY and ALPACA_SECRET_KEY"):
        make_market_data(api_key=None, secret_key="s")
