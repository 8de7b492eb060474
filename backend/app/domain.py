"""Value types every layer shares, so that a bar, a signal and an order mean one thing."""

from __future__ import annotations

import re
import types
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator

_NUMBERS = (int, float, Decimal)

DataSource = Literal["simulated", "alpaca_paper", "alpaca_live"]  # where prices and fills come from

# A ticker as the API accepts it: letters, digits and . / - (BRK.B, BTC/USD), at most 32 long.
SYMBOL_PATTERN = r"^[A-Za-z0-9./-]+$"
SYMBOL_MAX_LENGTH = 32

# A history timeframe, Alpaca's way: <n>Min, <n>Hour, <n>Day, <n>Week or <n>Month.
TIMEFRAME_PATTERN = r"^([1-9][0-9]{0,2})(Min|Hour|Day|Week|Month)$"
_STEP = {"Min": 60, "Hour": 3600, "Day": 86_400, "Week": 7 * 86_400, "Month": 30 * 86_400}


def timeframe_parts(timeframe: str) -> tuple[int, str]:
    match = re.match(TIMEFRAME_PATTERN, timeframe)
    if match is None:
        raise ValueError(
            f"timeframe {timeframe!r}: use <n>Min, <n>Hour, <n>Day, <n>Week or <n>Month"
        )
    return int(match.group(1)), match.group(2)


def bar_length(timeframe: str) -> timedelta:
    amount, unit = timeframe_parts(timeframe)
    return timedelta(seconds=amount * _STEP[unit])


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


PENNY = Decimal("0.01")  # US equities at or above $1.00 trade in whole cents (Rule 612)
SUB_PENNY = Decimal("0.0001")  # below $1.00, in hundredths of a cent


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
    """Every state an order row can be in: ours (`pending`) and each of Alpaca's, mapped as is.

    The one list of order states: the API types it (an OpenAPI enum) down to the dashboard, and
    `is_open` and `rank` below are the only open/closed classification and ordering.
    """

    PENDING = "pending"  # written down by the bot, not yet confirmed by the broker
    PENDING_NEW = "pending_new"  # received by the broker, not yet routed
    PENDING_REVIEW = "pending_review"  # waiting for the broker's review
    ACCEPTED = "accepted"  # received, not yet routed (e.g. outside market hours)
    ACCEPTED_FOR_BIDDING = "accepted_for_bidding"  # accepted, will be sent when bidding opens
    HELD = "held"  # a bracket leg waiting on its entry (the stop-loss stays held until hit)
    NEW = "new"  # routed and working
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"  # a cancel was requested; the outcome comes later
    PENDING_REPLACE = "pending_replace"  # a replace was requested
    DONE_FOR_DAY = "done_for_day"  # done executing today; a GTC order resumes next session
    STOPPED = "stopped"  # a trade is guaranteed but has not happened yet
    SUSPENDED = "suspended"  # not eligible for trading for now, still the broker's
    CALCULATED = "calculated"  # filled or done for the day; settlement still being computed
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"  # a DAY order at the close, or a time-in-force that ran out
    REPLACED = "replaced"  # closed; its successor carries on under a new id
    REJECTED = "rejected"

    @property
    def is_open(self) -> bool:
        """Still working (or may still fill): anything not final."""
        return self not in _CLOSED

    @property
    def rank(self) -> int:
        """How far along an order is: a non-fill update that ranks lower is stale and ignored,
        except back from a request the broker may refuse (`reverts`)."""
        return _RANK[self]

    @property
    def reverts(self) -> bool:
        """A state the broker may leave for an earlier one (a refused cancel or replace, the
        next session after done_for_day)."""
        return self in (
            OrderStatus.PENDING_CANCEL,
            OrderStatus.PENDING_REPLACE,
            OrderStatus.DONE_FOR_DAY,
        )

    @classmethod
    def open_values(cls) -> list[str]:
        return [status.value for status in cls if status.is_open]

    @classmethod
    def closed_values(cls) -> list[str]:
        return [status.value for status in cls if not status.is_open]


_CLOSED = frozenset(
    {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.EXPIRED,
        OrderStatus.REPLACED,
        OrderStatus.REJECTED,
    }
)
_RANK = {
    OrderStatus.PENDING: 0,
    OrderStatus.PENDING_NEW: 1,
    OrderStatus.PENDING_REVIEW: 1,
    OrderStatus.ACCEPTED: 2,
    OrderStatus.ACCEPTED_FOR_BIDDING: 2,
    OrderStatus.HELD: 3,
    OrderStatus.NEW: 4,
    OrderStatus.PARTIALLY_FILLED: 5,
    OrderStatus.PENDING_CANCEL: 6,
    OrderStatus.PENDING_REPLACE: 6,
    OrderStatus.DONE_FOR_DAY: 6,
    OrderStatus.STOPPED: 6,
    OrderStatus.SUSPENDED: 6,
    OrderStatus.CALCULATED: 6,
    **{status: 7 for status in _CLOSED},
}


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


def price_increment(price: float) -> Decimal:
    """The smallest price step a US equity order may name at this price."""
    return PENNY if price >= 1 else SUB_PENNY


def valid_price(price: float, side: Side, increment: Decimal | None = None) -> float:
    """`price` on the broker's price grid, rounded against the side that sends it.

    Sells round up and buys round down: a limit never gets a worse price than the one computed,
    and a stop never triggers later than computed (a long's sell stop moves up, a short's buy
    stop down), so the loss a stop caps is never more than the sizing assumed.
    """
    step = increment or price_increment(price)
    exact = Decimal(str(price)).quantize(Decimal("1e-9"))  # float noise is not a real digit
    way = ROUND_CEILING if side is Side.SELL else ROUND_FLOOR
    return float((exact / step).to_integral_value(rounding=way) * step)


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

    def on_price_grid(self, increment: Decimal | None = None) -> OrderRequest:
        """This order with every price it names rounded to a valid increment (`valid_price`):
        its own limit and stop by its side, the bracket legs by theirs (the opposite)."""

        def grid(price: float | None, side: Side) -> float | None:
            return None if price is None else valid_price(price, side, increment)

        exit_side = self.side.opposite
        return replace(
            self,
            limit_price=grid(self.limit_price, self.side),
            stop_price=grid(self.stop_price, self.side),
            take_profit=grid(self.take_profit, exit_side),
            stop_loss=grid(self.stop_loss, exit_side),
        )


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
class Asset:
    """What the broker allows for a symbol, checked before an order goes out."""

    symbol: str
    tradable: bool = True
    shortable: bool = False
    easy_to_borrow: bool = False
    fractionable: bool = False
    price_increment: Decimal | None = None  # None: the penny rule (`price_increment`)

    @property
    def can_short(self) -> bool:
        return self.tradable and self.shortable and self.easy_to_borrow


@dataclass(frozen=True, slots=True)
class Account:
    cash: float
    equity: float
    buying_power: float
    last_equity: float  # equity at the previous session's close, for "P&L today"
    trading_blocked: bool = False
    currency: str = "USD"
