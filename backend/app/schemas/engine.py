"""Engine status and control shapes, for the API and the `engine` live event."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.domain import DataSource, InputModel


class RunStatusOut(BaseModel):
    """What the leading process reports about its run, refreshed while it holds the lock."""

    model_config = ConfigDict(from_attributes=True)

    holder: str
    run_id: int
    started_at: datetime
    symbols: list[str]
    bars: int
    signals: int
    orders: int
    rejections: int
    last_bar_time: datetime | None


class EngineStatusOut(BaseModel):
    desired: Literal["running", "stopped"] = Field(description="what the user last asked for")
    state: Literal["running", "stopped"] = Field(description="whether some process trades now")
    leader: str | None = Field(description="process holding the trading lock")
    this_process_leads: bool
    broker: Literal["sim", "alpaca"]
    market_data: str = Field(description="simulated, replay or alpaca")
    data_source: DataSource
    live_trading: bool
    run: RunStatusOut | None
    last_error: str | None


class EngineControlIn(InputModel):
    """Body of POST /api/engine/kill: the switch acts only on an explicit confirmation."""

    model_config = ConfigDict(extra="forbid")

    confirm: Literal["kill"] = Field(description='"kill", to say the switch is meant')
    flatten: bool = Field(default=False, description="also close every position at market")


class KillOut(EngineStatusOut):
    """The engine's status after the kill switch, and what the switch did."""

    disabled_instances: int
    canceled_orders: int
    flatten_orders: list[str] = Field(description="client order ids of the closing orders")
    errors: list[str]
