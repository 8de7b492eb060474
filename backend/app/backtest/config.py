"""BacktestConfig: the simulated market's conventions (the same vocabulary and defaults as the
paper exchange's) plus what only a backtest sets; one validated model for CLI and API."""

from __future__ import annotations

from pydantic import Field

from app.risk.settings import RiskSettings
from app.simulation import MarketConfig


class BacktestConfig(MarketConfig):
    """A signal on bar t's close fills at bar t+1's open, by the simulated market's rules."""

    stop_loss_pct: float | None = Field(
        None, gt=0, lt=1, description="Bracket stop this fraction from the entry fill"
    )
    take_profit_pct: float | None = Field(
        None, gt=0, le=10, description="Bracket target this fraction from the entry fill"
    )
    atr_period: int = Field(14, ge=1, le=500, description="ATR bars for risk-based sizing")
    risk: RiskSettings = Field(
        default_factory=RiskSettings.permissive,
        description="Risk chain settings; the default never binds and sizes all-in",
    )
