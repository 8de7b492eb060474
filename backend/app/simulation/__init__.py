"""The one simulated market: the fill and cost model that the backtester and the simulated
broker both call, with one config vocabulary, so a backtest runs what paper trading runs."""

from app.simulation.config import MarketConfig
from app.simulation.fills import QTY_EPSILON, FillModel, tick_round

__all__ = ["QTY_EPSILON", "FillModel", "MarketConfig", "tick_round"]
