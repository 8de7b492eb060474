"""Which broker and which bars: Alpaca when keys are set, the offline simulation otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from app.brokers.base import Broker
from app.brokers.factory import make_broker
from app.brokers.health import CallHealth
from app.brokers.sim import SimBrokerConfig
from app.core.config import Settings
from app.domain import DataSource
from app.marketdata.base import MarketData
from app.marketdata.factory import make_market_data


@dataclass(frozen=True, slots=True)
class Venue:
    """A broker and the bar source that goes with it."""

    broker: Broker
    market_data: MarketData
    broker_name: Literal["sim", "alpaca"]
    data_source: DataSource
    health: CallHealth = field(default_factory=CallHealth)  # shared by the broker and its bars

    async def close(self) -> None:
        await self.market_data.close()
        await self.broker.close()


def build_venue(settings: Settings) -> Venue:
    """The venue the settings ask for; Alpaca live only when both live settings say so."""
    health = CallHealth()
    broker = make_broker(
        api_key=settings.alpaca_api_key,
        secret_key=settings.alpaca_secret_key,
        base_url=settings.alpaca_base_url,
        live=settings.alpaca_live_trading,
        request_budget=settings.alpaca_request_budget,
        sim=SimBrokerConfig(
            cash=settings.sim_initial_cash,
            slippage_bps=settings.sim_slippage_bps,
            commission_per_share=settings.sim_commission_per_share,
            max_volume_share=settings.sim_max_volume_share,
        ),
        health=health,
    )
    market_data = make_market_data(
        api_key=settings.alpaca_api_key,
        secret_key=settings.alpaca_secret_key,
        feed=settings.alpaca_data_feed,
        csv_path=Path(settings.sim_csv_path) if settings.sim_csv_path else None,
        seed=settings.sim_seed,
        speed=settings.sim_speed,
        timeframe=settings.engine_timeframe,
        warmup_bars=settings.engine_window_bars,
        health=health,
    )
    if not settings.alpaca_api_key:  # make_broker took the offline exchange
        return Venue(broker, market_data, "sim", "simulated", health)
    source: DataSource = "alpaca_live" if settings.is_live_trading else "alpaca_paper"
    return Venue(broker, market_data, "alpaca", source, health)
