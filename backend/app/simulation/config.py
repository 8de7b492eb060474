"""MarketConfig: the simulated market's cash, costs and conventions, one vocabulary for the
backtester (BacktestConfig) and the paper exchange (SimBrokerConfig), with the same defaults."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from app.domain import InputModel


class MarketConfig(InputModel):
    """How orders fill on the simulated market and what they cost."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cash: float = Field(100_000.0, gt=0, le=1e12, description="Starting cash")
    slippage_bps: float = Field(
        5.0, ge=0, le=1000, description="Adverse price move on market and stop fills, in bps"
    )
    commission_per_share: float = Field(0.0, ge=0, le=10, description="Commission per share")
    commission_bps: float = Field(
        0.0, ge=0, le=1000, description="Commission on traded value, in basis points"
    )
    allow_short: bool = Field(True, description="Sells beyond the position open shorts")
    round_to_tick: bool = Field(
        True, description="Fill prices on the exchange tick: a cent from $1 up, 0.01 cent below"
    )
    max_volume_share: float | None = Field(
        None,
        gt=0,
        le=1,
        description=(
            "Largest share of a bar's volume one order may take (0.1 = 10%, whole shares); "
            "the rest stays working and fills on later bars. None: orders fill whole"
        ),
    )
