"""The one interface every broker speaks, so the engine never knows which exchange it trades on.

Contract for implementers and callers:

- Every method is a coroutine and never blocks the event loop.
- Quantities are positive on orders (direction is `side`) and signed on positions (short < 0).
- Errors are the small hierarchy below, never an SDK or HTTP exception:
  `BrokerUnavailable` is transient (timeout, 429, 5xx: retry later, with backoff, no sooner
  than its `retry_after`); the adapter retries it itself: callers never add a second layer,
  `OrderRejected` is final (the broker said no; `reason` says why),
  `DuplicateClientOrderId` means an order with that client id already exists (`existing`).
- `submit_order` is idempotent per `client_order_id`: the broker refuses a second order with the
  same id, so a retry, a crash or a restart can never place an order twice.
- `trade_updates()` yields order status changes and fills as they happen. A stream can drop and
  miss events while it reconnects; callers must also poll (`get_orders`) to be safe.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from app.domain import Account, Asset, Bar, Fill, Order, OrderRequest, Position


class OrderQuery(StrEnum):
    """Which orders `get_orders` returns, as Alpaca's `status` filter."""

    OPEN = "open"
    CLOSED = "closed"
    ALL = "all"


class TradeEvent(StrEnum):
    """What happened to an order; the names Alpaca's trade_updates stream uses."""

    NEW = "new"
    ACCEPTED = "accepted"
    PENDING_NEW = "pending_new"
    PARTIAL_FILL = "partial_fill"
    FILL = "fill"
    DONE_FOR_DAY = "done_for_day"
    PENDING_CANCEL = "pending_cancel"
    CANCELED = "canceled"
    ORDER_CANCEL_REJECTED = "order_cancel_rejected"  # it filled (or closed) before the cancel
    PENDING_REPLACE = "pending_replace"
    REPLACED = "replaced"
    ORDER_REPLACE_REJECTED = "order_replace_rejected"
    REJECTED = "rejected"
    EXPIRED = "expired"  # a DAY order at the close
    STOPPED = "stopped"
    SUSPENDED = "suspended"
    CALCULATED = "calculated"
    RESTATED = "restated"
    OTHER = "other"  # an event name this version does not know; the order it carries still counts


@dataclass(frozen=True, slots=True)
class TradeUpdate:
    """One order event: the order as it is after the event, and the fill if the event was one."""

    event: TradeEvent
    order: Order
    time: datetime
    fill: Fill | None = None
    position_qty: float | None = None  # signed position in the symbol after the event, if known


@dataclass(frozen=True, slots=True)
class MarketClock:
    """Whether the market trades now, and when it next opens and closes."""

    timestamp: datetime
    is_open: bool
    next_open: datetime
    next_close: datetime


@dataclass(frozen=True, slots=True)
class TradingDay:
    """One session of the exchange calendar, with its (possibly early) close."""

    date: date
    open: datetime
    close: datetime


class Refusal(StrEnum):
    """Why a broker said no, for the API's answer and the audit log (a 403 is not always keys)."""

    CREDENTIALS = "credentials"
    BUYING_POWER = "buying_power"
    INSUFFICIENT_QTY = "insufficient_qty"  # shares held by other open orders
    WASH_TRADE = "wash_trade"
    SUBSCRIPTION = "subscription"  # the data plan does not cover it (e.g. recent SIP data)
    PRICE_INCREMENT = "price_increment"  # sub-penny
    ASSET = "asset"  # unknown, not tradable, not shortable
    DUPLICATE = "duplicate_client_order_id"
    OTHER = "other"


class BrokerError(Exception):
    """Anything a broker call can fail with; subclasses say whether retrying can help."""

    kind: ClassVar[str] = "other"  # the label the metrics count it under


class BrokerUnavailable(BrokerError):
    """Transient fault (timeout, connection, 429, 5xx): the same call may succeed later.

    `maybe_processed` is True when the broker may have acted on the request before failing
    (a read timeout, a 5xx), so only idempotent calls may be retried blindly.
    """

    kind = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        maybe_processed: bool,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.maybe_processed = maybe_processed
        self.retry_after = retry_after  # seconds the broker asked us to wait, if it said


class AuthenticationFailed(BrokerError):
    """The broker refused the credentials: a configuration problem, retrying will not help."""

    kind = "auth"


class NotFound(BrokerError):
    """The order or position the call names does not exist at the broker."""

    kind = "not_found"


class OrderRejected(BrokerError):
    """The broker refused the request for a reason that retrying will not change."""

    kind = "rejected"

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        code: int | None = None,
        refusal: Refusal = Refusal.OTHER,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.code = code
        self.refusal = refusal


class DuplicateClientOrderId(OrderRejected):
    """An order with this client_order_id already exists; `existing` is it, when it was found."""

    kind = "duplicate"

    def __init__(
        self,
        client_order_id: str,
        *,
        existing: Order | None = None,
        status: int | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(
            f"client_order_id {client_order_id!r} must be unique",
            status=status,
            code=code,
            refusal=Refusal.DUPLICATE,
        )
        self.client_order_id = client_order_id
        self.existing = existing


class Broker(abc.ABC):
    """Account, market clock, positions and orders at one broker."""

    @abc.abstractmethod
    async def get_account(self) -> Account:
        """Cash, equity and buying power, for sizing orders and the P&L of the day."""

    @abc.abstractmethod
    async def get_clock(self) -> MarketClock:
        """Whether the market is open now, so the engine trades only when it is."""

    @abc.abstractmethod
    async def get_calendar(self, start: date, end: date) -> list[TradingDay]:
        """Trading sessions from start to end inclusive, for scheduling and warm-up windows."""

    @abc.abstractmethod
    async def get_positions(self) -> list[Position]:
        """Every open position; the broker's word is the truth for reconciliation."""

    @abc.abstractmethod
    async def get_orders(
        self,
        status: OrderQuery = OrderQuery.OPEN,
        *,
        symbols: Sequence[str] | None = None,
        limit: int = 500,
    ) -> list[Order]:
        """Orders by status, newest first, for reconciliation and polling when a stream drops."""

    @abc.abstractmethod
    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        """The order with that client id, or None: answers 'did my submit land?' after a crash."""

    @abc.abstractmethod
    async def submit_order(self, request: OrderRequest) -> Order:
        """Place one order; raises `DuplicateClientOrderId` if its client id was used before."""

    @abc.abstractmethod
    async def cancel_order(self, order_id: str) -> None:
        """Ask the broker to cancel an open order; the outcome arrives as a trade update."""

    @abc.abstractmethod
    async def replace_order(
        self,
        order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        """Change an open order; the broker returns the new order that replaces it."""

    @abc.abstractmethod
    async def close_position(self, symbol: str, qty: float | None = None) -> Order:
        """Flatten one position (or `qty` of it) with a market order."""

    @abc.abstractmethod
    async def close_all_positions(self, cancel_orders: bool = True) -> list[Order]:
        """Flatten everything, for the kill switch; cancels open orders first by default."""

    async def get_asset(self, symbol: str) -> Asset | None:
        """What the broker allows for `symbol` (None: it does not know it). By default an
        exchange that trades anything, long and short; Alpaca's comes from /v2/assets."""
        return Asset(symbol, shortable=True, easy_to_borrow=True, fractionable=True)

    @abc.abstractmethod
    def trade_updates(self) -> AsyncIterator[TradeUpdate]:
        """Order events from this call on; each call is an independent subscriber until close()."""

    def needs_restore(self) -> bool:
        """Whether this exchange lives in the process and starts empty, so that a run first books
        the recorded fills and reopens the working orders into it (`restore`); real brokers
        keep their own account."""
        return False

    def restore(
        self, fills: Sequence[Fill], working: Sequence[tuple[str, OrderRequest]]
    ) -> dict[str, str]:
        """Carry on an earlier process's account; the orders it could not reopen, with why."""
        raise NotImplementedError(f"{type(self).__name__} keeps its own account")

    def on_bar(self, bar: Bar) -> None:  # noqa: B027 - a deliberate no-op default
        """Let a simulated exchange match orders against the bar; real brokers ignore it."""

    async def close(self) -> None:  # noqa: B027 - a deliberate no-op default
        """Release connections and background tasks."""
