"""BacktestConfig: the simulation's conventions as one validated model (CLI and API share it)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.domain import InputModel
from app.risk.settings import RiskSettings


class BacktestConfig(InputModel):
    """How orders fill and what they cost. A signal on bar t's close fills at bar t+1's open."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cash: float = Field(10_000.0, gt=0, le=1e12, description="Starting cash")
    commission_pct: float = Field(0.0, ge=0, le=0.1, description="Commission, fraction of value")
    commission_per_share: float = Field(0.0, ge=0, le=10, description="Commission per share")
    slippage_bps: float = Field(
        0.0, ge=0, le=1000, description="Adverse price move on market fills, in basis points"
    )
    allow_short: bool = Field(False, description="Sell signals reverse into shorts")
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
