"""Realised P&L statistics and closed trades, as the Analytics screen reads them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class PnlStatsOut(BaseModel):
    trades: int
    wins: int
    losses: int
    win_rate: float | None = Field(description="wins / trades; null without trades")
    profit_factor: float | None = Field(description="gross profit / gross loss; null without loss")
    average_win: float | None
    average_loss: float | None
    fees: float
    realized_pnl: float = Field(description="after fees")
    unrealized_pnl: float = Field(description="open lots at the newest recorded price")
    max_drawdown: float = Field(description="deepest fall of cumulative realised P&L, >= 0")


class PnlGroupOut(BaseModel):
    key: str = Field(description="instance id ('manual' for hand orders), symbol or period")
    stats: PnlStatsOut


class PnlReportOut(BaseModel):
    group_by: Literal["instance", "symbol", "day", "week", "month"]
    total: PnlStatsOut
    groups: list[PnlGroupOut]


class ClosedTradeOut(BaseModel):
    symbol: str
    instance_id: int | None
    side: Literal["long", "short"]
    qty: float
    entry_time: datetime
    entry_price: float
    exit_time: datetime
    exit_price: float
    fees: float
    pnl: float


class ReplayOutcomeOut(BaseModel):
    status: Literal["filled", "rejected", "ignored", "unfilled", "absent"] = Field(
        description="absent: this side had no such signal"
    )
    reason: str | None
    qty: float | None
    price: float | None = Field(description="volume-weighted fill price")


class ReplayRowOut(BaseModel):
    time: datetime = Field(description="open time of the bar that gave the signal")
    side: Literal["buy", "sell"]
    live: ReplayOutcomeOut
    backtest: ReplayOutcomeOut
    differences: list[str] = Field(description="empty when both sides did the same")


class ReplayOut(BaseModel):
    """One live day of an instance replayed through the backtester, signal by signal."""

    instance_id: int
    day: date
    timeframe: str
    bars: int = Field(description="bars of the day replayed")
    warmup_bars: int = Field(description="cached bars before the day the indicators started on")
    warmup_needed: int = Field(description="bars the live engine's window holds")
    agree: bool
    rows: list[ReplayRowOut]
