"""What the engine says about itself: its run, its state, the account and the kill switch's work.

Plain values; the API turns them into its response shapes at its edge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from app.domain import Account, DataSource
from app.engine.kill_switch import KillReport

EngineState = Literal["running", "stopped"]


class RunStatus(BaseModel):
    """What the leading process reports about its run, refreshed while it holds the lock."""

    holder: str
    run_id: int
    started_at: datetime
    symbols: list[str]
    bars: int = 0
    signals: int = 0
    orders: int = 0
    rejections: int = 0
    last_bar_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class EngineStatus:
    """The wanted and the actual state, who leads, and on which venue."""

    desired: EngineState  # what the user last asked for
    state: EngineState  # whether some process trades now
    leader: str | None  # the process holding the trading lock
    this_process_leads: bool
    broker: Literal["sim", "alpaca"]
    market_data: str  # simulated, replay or alpaca
    data_source: DataSource
    live_trading: bool
    run: RunStatus | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """The broker's account, whether the market trades now, and where prices come from."""

    account: Account
    market_open: bool
    data_source: DataSource


@dataclass(frozen=True, slots=True)
class KillOutcome:
    """The engine's status after the kill switch, and what the switch did."""

    status: EngineStatus
    report: KillReport
