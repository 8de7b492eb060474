"""What the API and the live events say about orders, fills, signals, positions and equity."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, computed_field

from app.domain import (
    SYMBOL_MAX_LENGTH,
    SYMBOL_PATTERN,
    DataSource,
    InputModel,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="rows matching the filters, ignoring limit and offset")
    limit: int
    offset: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    client_order_id: str
    broker_order_id: str | None
    strategy_instance_id: int | None
    signal_id: int | None
    source: str = Field(description="strategy, manual, kill_switch or reconcile")
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    qty: float
    limit_price: float | None
    stop_price: float | None
    take_profit: float | None
    stop_loss: float | None
    status: OrderStatus = Field(description="the order's state ('pending' before the broker)")
    filled_qty: float
    filled_avg_price: float | None
    reject_reason: str | None
    submitted_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_open(self) -> bool:
        """Still working at the broker (or not yet sent): the one open/closed classification."""
        return self.status.is_open


class OrderStatusOut(BaseModel):
    """One order state and whether it counts as open, so clients keep no copy of the list."""

    status: OrderStatus
    open: bool


class FillOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    execution_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    commission: float
    filled_at: datetime


class SignalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    strategy_instance_id: int | None
    strategy: str
    symbol: str
    bar_time: datetime
    side: Side
    strength: float
    reason: str
    values: dict[str, Any]
    outcome: str = Field(description="pending, ordered, rejected (by the risk chain) or ignored")
    rejection_reason: str | None
    created_at: datetime


class PositionOut(BaseModel):
    symbol: str
    qty: float = Field(description="signed: negative is short")
    avg_entry_price: float
    market_price: float
    market_value: float
    unrealized_pl: float


class AccountOut(BaseModel):
    cash: float
    equity: float
    buying_power: float
    last_equity: float
    currency: str
    trading_blocked: bool
    market_open: bool
    data_source: DataSource


class EquityPointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    time: datetime
    equity: float
    cash: float


class RiskRejectionOut(BaseModel):
    signal_id: int
    strategy_instance_id: int | None
    symbol: str
    side: Side
    reason: str
    time: datetime


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    message: str | None


class OrderCreate(InputModel):
    """A manual order; prices are required by the order types that use them."""

    model_config = ConfigDict(extra="forbid")

    symbol: str = Field(min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)
    side: Side
    qty: float = Field(ge=1e-9, le=1_000_000, description="shares; fractions to 9 places")
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: float | None = Field(default=None, ge=0.0001, le=1_000_000)
    stop_price: float | None = Field(default=None, ge=0.0001, le=1_000_000)
    take_profit: float | None = Field(default=None, ge=0.0001, le=1_000_000)
    stop_loss: float | None = Field(default=None, ge=0.0001, le=1_000_000)
    client_order_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="your own id, to make a retried request idempotent",
    )
