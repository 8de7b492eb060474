"""RiskSettings: every risk rule's parameter with its bounds, as the API stores and validates it."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from app.domain import InputModel


class RiskSettings(InputModel):
    """Limits applied between a signal and an order; fractions are of account equity."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sizing: Literal["atr_risk", "all_in"] = Field(
        "atr_risk",
        description="atr_risk: risk a fixed fraction of equity with an ATR stop; "
        "all_in: as many whole shares as cash allows",
    )
    risk_per_trade: float = Field(
        0.01, gt=0, le=0.1, description="Equity lost if the stop is hit (0.01 = 1%)"
    )
    atr_stop_multiple: float = Field(
        2.0, gt=0, le=20, description="Stop distance in ATRs from the entry price"
    )
    take_profit_multiple: float | None = Field(
        None, gt=0, le=50, description="Take-profit distance in stop distances (R); none if unset"
    )
    max_position_pct: float = Field(
        0.2, gt=0, le=1, description="Largest single position as a fraction of equity"
    )
    max_open_positions: int = Field(10, ge=1, le=500, description="Most symbols held at once")
    max_gross_exposure: float = Field(
        1.0, gt=0, le=4, description="Sum of absolute position values as a multiple of equity"
    )
    daily_loss_limit: float = Field(
        0.03, gt=0, le=1, description="No new entries once today's loss reaches this fraction"
    )
    max_drawdown: float = Field(
        0.2, gt=0, le=1, description="Halt trading once equity falls this far below its peak"
    )
    flatten_on_halt: bool = Field(False, description="Close every position when halting")
    new_entries: bool = Field(
        True, description="Open new positions; off: only close existing ones (exits still trade)"
    )
    cooldown_minutes: int = Field(
        60, ge=0, le=43_200, description="No re-entry in a symbol this long after a stop-out"
    )
    market_hours: bool = Field(True, description="Only trade during NYSE regular hours")
    pdt_guard: bool = Field(
        False,
        description=(
            "Optional: under the PDT equity floor, refuse an entry that could make more day "
            "trades in 5 business days than allowed, counted from the bot's own fills (Alpaca "
            "no longer reports a day-trade count or flags pattern day traders)"
        ),
    )
    pdt_min_equity: float = Field(25_000.0, ge=0, le=1e9, description="PDT equity floor (USD)")
    pdt_max_day_trades: int = Field(
        3, ge=0, le=10, description="Day trades allowed in 5 business days under the floor"
    )

    @classmethod
    def permissive(cls, sizing: Literal["atr_risk", "all_in"] = "all_in") -> RiskSettings:
        """Limits that never bind: a backtest that should measure the strategy alone."""
        return cls(
            sizing=sizing,
            max_position_pct=1.0,
            max_open_positions=500,
            max_gross_exposure=4.0,
            daily_loss_limit=1.0,
            max_drawdown=1.0,
            cooldown_minutes=0,
            market_hours=False,
            pdt_guard=False,
        )
