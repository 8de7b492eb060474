"""Pick the broker from plain settings: Alpaca when both keys are set, else the offline one."""

from __future__ import annotations

import logging

from app.brokers.alpaca import AlpacaBroker, AlpacaConfig
from app.brokers.base import Broker
from app.brokers.health import CallHealth
from app.brokers.sim import SimBroker, SimBrokerConfig

logger = logging.getLogger(__name__)


def make_broker(
    *,
    api_key: str | None,
    secret_key: str | None,
    base_url: str | None = None,
    live: bool = False,
    request_budget: float = 0.5,
    sim: SimBrokerConfig | None = None,
    health: CallHealth | None = None,
) -> Broker:
    """AlpacaBroker with keys (paper unless `base_url` is live AND `live`), else SimBroker."""
    if bool(api_key) != bool(secret_key):
        raise ValueError("Alpaca needs both ALPACA_API_KEY and ALPACA_SECRET_KEY, or neither")
    if api_key and secret_key:
        return AlpacaBroker(
            AlpacaConfig(
                api_key=api_key,
                secret_key=secret_key,
                base_url=base_url,
                live=live,
                request_budget=request_budget,
            ),
            health,
        )
    logger.info("no Alpaca keys: trading on the offline simulated exchange")
    return SimBroker(sim)
