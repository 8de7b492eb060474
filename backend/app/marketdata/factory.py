"""Pick the bar source from plain settings: Alpaca with keys, else a replay or the simulation."""

from __future__ import annotations

from pathlib import Path

from app.brokers.health import CallHealth
from app.marketdata.alpaca import AlpacaDataConfig, AlpacaMarketData
from app.marketdata.base import MarketData, parse_timeframe
from app.marketdata.replay import ReplayMarketData


def make_market_data(
    *,
    api_key: str | None,
    secret_key: str | None,
    feed: str = "iex",
    csv_path: Path | None = None,
    seed: int = 42,
    speed: float = 60.0,
    timeframe: str = "1Min",
    warmup_bars: int = 500,
    health: CallHealth | None = None,
) -> MarketData:
    """AlpacaMarketData with keys; otherwise `csv_path` replayed, or the seeded simulated market."""
    if bool(api_key) != bool(secret_key):
        raise ValueError("Alpaca needs both ALPACA_API_KEY and ALPACA_SECRET_KEY, or neither")
    if api_key and secret_key:
        config = AlpacaDataConfig(
            api_key=api_key, secret_key=secret_key, feed=feed, timeframe=timeframe
        )
        return AlpacaMarketData(config, health)
    if csv_path is not None:
        return ReplayMarketData.from_csv(csv_path, speed=speed, timeframe=timeframe)
    return ReplayMarketData.simulated(
        seed=seed, speed=speed, interval=parse_timeframe(timeframe), warmup_bars=warmup_bars
    )
