"""Value types every layer shares, so that a bar, a signal and an order mean one thing."""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator

_NUMBERS = (int, float, Decimal)


def _takes_numbers_only(annotation: Any) -> bool:
    if get_origin(annotation) in (Union, types.UnionType):
        arguments = get_args(annotation)
        return bool not in arguments and any(_takes_numbers_only(a) for a in arguments)
    return annotation in _NUMBERS


class InputModel(BaseModel):
    """Base of every model read from client input: a boolean is not a number (pydantic's lax mode
    reads `true` as 1, so `"qty": true` would buy a share)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_booleans_for_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        field_name = info.field_name
        if (
            isinstance(value, bool)
            and field_name
            and _takes_numbers_only(cls.model_fields[field_name].annotation)
        ):
            raise ValueError("must be a number, not true or false")
        return value


class Side(StrEnum):
    BUY = "buy"
    SELL = "sell"

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(StrEnum):
    MARKET = "market"
    LIMIT = "limit"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    DAY = "day"
    GTC = "gtc"


class OrderStatus(StrEnum):
    NEW = "new"
    ACCEPTED = "accepted"
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED)


@dataclass(frozen=True, slots=True)
class Bar:
    symbol: str
    time: datetime  # bar open time, timezone-aware UTC
    open: float
    high: float
    low: float
    close: float
    volume: float


@dataclass(frozen=True, slots=True)
class Signal:
    symbol: str
    time: datetime  # time of the bar whose close produced the signal
    side: Side
    strength: float  # 0..1, how convinced the strategy is
    reason: str  # human-readable, e.g. "fast SMA 10 crossed above slow SMA 20"
    strategy: str  # strategy name, e.g. "sma_crossover"
    values: dict[str, float] = field(default_factory=dict)  # indicator values behind it


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What the risk chain hands to a broker: one order, fully sized."""

    client_order_id: str
    symbol: str
    side: Side
    qty: float
    type: OrderType = OrderType.MARKET
    time_in_force: TimeInForce = TimeInForce.DAY
    limit_price: float | None = None
    stop_price: float | None = None
    take_profit: float | None = None  # bracket: limit price of the take-profit leg
    stop_loss: float | None = None  # bracket: stop price of the stop-loss leg


@dataclass(frozen=True, slots=True)
class Order:
    id: str  # broker's order id
    client_order_id: str
    symbol: str
    side: Side
    qty: float
    type: OrderType
    status: OrderStatus
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    limit_price: float | None = None
    stop_price: float | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    reject_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Fill:
    order_id: str
    client_order_id: str
    symbol: str
    side: Side
    qty: float
    price: float
    time: datetime
    commission: float = 0.0


@dataclass(frozen=True, slots=True)
class Position:
    symbol: str
    qty: float  # signed: negative is short
    avg_entry_price: float
    market_price: float

    @property
    def market_value(self) -> float:
        return self.qty * self.market_price

    @property
    def unrealized_pl(self) -> float:
        return (self.market_price - self.avg_entry_price) * self.qty


@dataclass(frozen=True, slots=True)
class Account:
    cash: float
    equity: float
    buying_power: float
    last_equity: float  # equity at the previous session's close, for "P&L today"
    daytrade_count: int = 0
    pattern_day_trader: bool = False
    trading_blocked: bool = False
    currency: str = "USD"
