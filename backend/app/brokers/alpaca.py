"""Alpaca through its official SDK: alpaca-py's TradingClient for REST, TradingStream for updates.

The SDK is synchronous, so each call runs in a worker thread. Transient faults are retried with
backoff and jitter; a submit retried after an ambiguous failure (timeout, 5xx) that finds its
client_order_id already taken returns the order that did land, so it is never placed twice.
Paper trading is the default. Real money needs two settings at once: a live base URL AND
`live=True`; one without the other is refused or falls back to paper, loudly.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, date
from decimal import Decimal
from typing import Any

from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderClass, QueryOrderStatus
from alpaca.trading.enums import OrderSide as SdkSide
from alpaca.trading.enums import TimeInForce as SdkTimeInForce
from alpaca.trading.models import Order as SdkOrder
from alpaca.trading.requests import (
    ClosePositionRequest,
    GetCalendarRequest,
    GetOrdersRequest,
    LimitOrderRequest,
    MarketOrderRequest,
    ReplaceOrderRequest,
    StopLimitOrderRequest,
    StopLossRequest,
    StopOrderRequest,
    TakeProfitRequest,
)
from alpaca.trading.stream import TradingStream
from pydantic import BaseModel, ConfigDict, Field

from app.brokers.alpaca_http import (
    PAPER_URL,
    call_sdk,
    is_live_url,
    stream_url_for,
    tune_sdk_client,
)
from app.brokers.base import (
    Broker,
    BrokerUnavailable,
    DuplicateClientOrderId,
    MarketClock,
    NotFound,
    OrderQuery,
    OrderRejected,
    TradeEvent,
    TradeUpdate,
    TradingDay,
)
from app.brokers.budget import ALPACA_REQUESTS_PER_MINUTE, RequestBudget
from app.brokers.fanout import Fanout
from app.brokers.health import CallHealth
from app.brokers.retry import RetryPolicy, with_retry
from app.core.config import REQUEST_BUDGET_MAX, REQUEST_BUDGET_MIN
from app.domain import (
    Account,
    Asset,
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
)

logger = logging.getLogger(__name__)

_ORDER_TYPES = {t.value for t in OrderType}  # trailing_stop is not ours: it maps to STOP
_EVENTS = {e.value for e in TradeEvent}


class AlpacaConfig(BaseModel):
    """Where and how to reach Alpaca; `base_url=None` means Alpaca's paper API."""

    model_config = ConfigDict(frozen=True)

    api_key: str = Field(min_length=1)
    secret_key: str = Field(min_length=1)
    base_url: str | None = None
    live: bool = False  # real money: needs a live base_url too
    stream_url: str | None = None  # trade updates WebSocket; derived from base_url when None
    request_timeout: float = Field(10.0, gt=0)
    retry: RetryPolicy = RetryPolicy()
    asset_cache_seconds: float = Field(3600.0, ge=0)
    # The share of the key's rate limit that reads may spend (app.brokers.budget).
    request_budget: float = Field(0.5, ge=REQUEST_BUDGET_MIN, le=REQUEST_BUDGET_MAX)
    rate_limit: int = Field(ALPACA_REQUESTS_PER_MINUTE, ge=1)  # requests per rate_window
    rate_window: float = Field(60.0, gt=0)


def resolve_trading_url(base_url: str | None, live: bool) -> str:
    """The trading API URL to use, refusing any setting that could trade real money by accident."""
    if is_live_url(base_url) and not live:
        raise ValueError(
            f"the Alpaca base URL {base_url} is LIVE trading but the live flag is off; "
            "set the live flag too, or use the paper URL"
        )
    if live and not is_live_url(base_url):
        logger.warning("Alpaca live flag is set but the base URL is not live: trading on PAPER")
    url = (base_url or PAPER_URL).rstrip("/")
    if url.endswith("/v2"):  # the older SDK's convention; alpaca-py adds /v2 itself
        url = url.removesuffix("/v2")
    if is_live_url(url):
        logger.warning("!!! ALPACA LIVE TRADING: orders to %s use REAL MONEY !!!", url)
    else:
        logger.info("Alpaca paper trading at %s", url)
    return url


class AlpacaBroker(Broker):
    """`Broker` on alpaca-py's TradingClient and TradingStream."""

    def __init__(self, config: AlpacaConfig, health: CallHealth | None = None) -> None:
        self._config = config
        self.health = health or CallHealth()
        url = resolve_trading_url(config.base_url, config.live)
        self._paper = not is_live_url(url)
        self._client = TradingClient(
            config.api_key, config.secret_key, paper=self._paper, url_override=url
        )
        tune_sdk_client(self._client, config.request_timeout)
        self._stream_url = config.stream_url or stream_url_for(url)
        self._stream: TradingStream | None = None
        self._stream_task: asyncio.Task[None] | None = None
        self._updates = Fanout()
        self._assets: dict[str, tuple[float, Asset | None]] = {}
        self._budget = RequestBudget(config.request_budget, config.rate_limit, config.rate_window)

    async def _call(
        self, what: str, fn: Callable[..., Any], *args: Any, idempotent: bool = True
    ) -> Any:
        return await with_retry(
            lambda: call_sdk(fn, *args),
            self._config.retry,
            what=what,
            health=self.health,
            idempotent=idempotent,
        )

    async def _read(self, what: str, fn: Callable[..., Any], *args: Any) -> Any:
        """A read, each attempt paced to the request budget (orders and cancels are not)."""

        async def attempt() -> Any:
            await self._budget.acquire()
            return await call_sdk(fn, *args)

        return await with_retry(attempt, self._config.retry, what=what, health=self.health)

    # ----------------------------------------------------------------- reads
    async def get_account(self) -> Account:
        raw = await self._read("get account", self._client.get_account)
        return Account(
            cash=float(raw.cash or 0),
            equity=float(raw.equity or 0),
            buying_power=float(raw.buying_power or 0),
            last_equity=float(raw.last_equity or raw.equity or 0),
            trading_blocked=bool(
                raw.trading_blocked or raw.account_blocked or raw.trade_suspended_by_user
            ),
            currency=raw.currency or "USD",
        )

    async def get_clock(self) -> MarketClock:
        raw = await self._read("get clock", self._client.get_clock)
        return MarketClock(
            timestamp=raw.timestamp,
            is_open=raw.is_open,
            next_open=raw.next_open,
            next_close=raw.next_close,
        )

    async def get_calendar(self, start: date, end: date) -> list[TradingDay]:
        if end < start:
            raise ValueError(f"calendar end {end} is before start {start}")
        request = GetCalendarRequest(start=start, end=end)
        days = await self._read("get calendar", self._client.get_calendar, request)
        return [TradingDay(date=d.date, open=d.open, close=d.close) for d in days]

    async def get_asset(self, symbol: str) -> Asset | None:
        """/v2/assets/{symbol}, cached for `asset_cache_seconds` (assets change rarely)."""
        cached = self._assets.get(symbol)
        if cached is not None and time.monotonic() - cached[0] < self._config.asset_cache_seconds:
            return cached[1]
        try:
            raw = await self._read(f"get asset {symbol}", self._client.get_asset, symbol)
        except NotFound:
            asset = None
        else:
            increment = getattr(raw, "price_increment", None)
            asset = Asset(
                symbol=raw.symbol,
                tradable=bool(raw.tradable) and getattr(raw.status, "value", "") == "active",
                shortable=bool(raw.shortable),
                easy_to_borrow=bool(raw.easy_to_borrow),
                fractionable=bool(raw.fractionable),
                price_increment=None if not increment else Decimal(str(increment)),
            )
        self._assets[symbol] = (time.monotonic(), asset)
        return asset

    async def get_positions(self) -> list[Position]:
        raw = await self._read("get positions", self._client.get_all_positions)
        return [_position(p) for p in raw]

    async def get_orders(
        self,
        status: OrderQuery = OrderQuery.OPEN,
        *,
        symbols: Sequence[str] | None = None,
        limit: int = 500,
    ) -> list[Order]:
        request = GetOrdersRequest(
            status=QueryOrderStatus(status.value),
            limit=limit,
            nested=True,
            symbols=list(symbols) if symbols else None,
        )
        raw = await self._read("get orders", self._client.get_orders, request)
        flat = [_order(o) for parent in raw for o in [parent, *(parent.legs or [])]]
        if status is OrderQuery.ALL:
            return flat
        # a closed bracket entry may come along with its open legs: keep what was asked for
        return [o for o in flat if o.status.is_open == (status is OrderQuery.OPEN)]

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        try:
            raw = await self._read(
                "get order by client id", self._client.get_order_by_client_id, client_order_id
            )
        except NotFound:
            return None
        return _order(raw)

    # ----------------------------------------------------------------- orders
    async def submit_order(self, request: OrderRequest) -> Order:
        sdk_request = _sdk_order(request)
        cid = request.client_order_id
        maybe_landed = False

        async def attempt() -> Order:
            nonlocal maybe_landed
            try:
                raw = await call_sdk(self._client.submit_order, sdk_request, client_order_id=cid)
            except BrokerUnavailable as exc:
                maybe_landed = maybe_landed or exc.maybe_processed
                raise
            except DuplicateClientOrderId as exc:
                existing = await self.get_order_by_client_id(cid)
                if maybe_landed and existing is not None:
                    logger.info("order %s had landed before its retry; not placing it again", cid)
                    return existing
                raise DuplicateClientOrderId(
                    cid, existing=existing, status=exc.status, code=exc.code
                ) from exc
            return _order(raw)

        return await with_retry(
            attempt, self._config.retry, what=f"submit order {cid}", health=self.health
        )

    async def cancel_order(self, order_id: str) -> None:
        await self._call(f"cancel order {order_id}", self._client.cancel_order_by_id, order_id)

    async def replace_order(
        self,
        order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        request = ReplaceOrderRequest(
            qty=None if qty is None else int(qty),
            limit_price=limit_price,
            stop_price=stop_price,
            client_order_id=client_order_id,
        )
        raw = await with_retry(
            lambda: call_sdk(
                self._client.replace_order_by_id,
                order_id,
                request,
                client_order_id=client_order_id or "",
            ),
            self._config.retry,
            what=f"replace order {order_id}",
            health=self.health,
            idempotent=False,
        )
        return _order(raw)

    async def close_position(self, symbol: str, qty: float | None = None) -> Order:
        options = ClosePositionRequest(qty=str(qty)) if qty is not None else None
        raw = await with_retry(
            lambda: call_sdk(self._client.close_position, symbol, options),
            self._config.retry,
            what=f"close position {symbol}",
            health=self.health,
            idempotent=False,
        )
        return _order(raw)

    async def close_all_positions(self, cancel_orders: bool = True) -> list[Order]:
        raw = await self._call(
            "close all positions", self._client.close_all_positions, cancel_orders, idempotent=False
        )
        closing = []
        for answer in raw:
            if isinstance(answer.body, SdkOrder):
                closing.append(_order(answer.body))
            else:
                logger.error("alpaca could not close %s: %s", answer.symbol, answer.body)
        return closing

    # ----------------------------------------------------------------- trade updates
    def trade_updates(self) -> AsyncIterator[TradeUpdate]:
        self._ensure_stream()
        return self._updates.subscribe()

    async def stream_ready(self, within: float) -> bool:
        """Whether the trade stream is connected and listening within `within` seconds (events
        sent before that are not delivered to anyone)."""
        self._ensure_stream()
        deadline = time.monotonic() + within
        while not (self._stream is not None and self._stream._running):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def _ensure_stream(self) -> None:
        if self._stream_task is not None and not self._stream_task.done():
            return
        self._stream = TradingStream(
            self._config.api_key,
            self._config.secret_key,
            paper=self._paper,
            url_override=self._stream_url,
        )
        self._stream.subscribe_trade_updates(self._on_trade_update)
        # The SDK's run() starts its own event loop; its coroutine runs fine on ours instead and
        # keeps its reconnect-with-backoff loop.
        self._stream_task = asyncio.create_task(
            self._stream._run_forever(),  # type: ignore[no-untyped-call]
            name="alpaca-trade-updates",
        )

    async def _on_trade_update(self, raw: Any) -> None:
        self._updates.publish(_trade_update(raw))

    async def close(self) -> None:
        self._updates.close()
        if self._stream is not None and self._stream_task is not None:
            await self._stream.stop_ws()
            self._stream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stream_task
            await self._stream.close()
        self._stream = self._stream_task = None


def _sdk_order(request: OrderRequest) -> Any:
    """The alpaca-py request for one of our orders; a malformed one is rejected here."""
    common: dict[str, Any] = {
        "symbol": request.symbol,
        "qty": request.qty,
        "side": SdkSide(request.side.value),
        "time_in_force": SdkTimeInForce(request.time_in_force.value),
        "client_order_id": request.client_order_id,
    }
    if request.take_profit is not None or request.stop_loss is not None:
        common["order_class"] = OrderClass.BRACKET
        if request.take_profit is not None:
            common["take_profit"] = TakeProfitRequest(limit_price=request.take_profit)
        if request.stop_loss is not None:
            common["stop_loss"] = StopLossRequest(stop_price=request.stop_loss)
    try:
        if request.type is OrderType.LIMIT:
            return LimitOrderRequest(limit_price=request.limit_price, **common)
        if request.type is OrderType.STOP:
            return StopOrderRequest(stop_price=request.stop_price, **common)
        if request.type is OrderType.STOP_LIMIT:
            return StopLimitOrderRequest(
                stop_price=request.stop_price, limit_price=request.limit_price, **common
            )
        return MarketOrderRequest(**common)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise OrderRejected(f"invalid order {request.client_order_id}: {exc}") from exc


def _float(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


def _order(raw: Any) -> Order:
    order_type = raw.type or raw.order_type
    return Order(
        id=str(raw.id),
        client_order_id=raw.client_order_id,
        symbol=raw.symbol or "",
        side=Side(raw.side.value) if raw.side else Side.BUY,
        qty=_float(raw.qty) or 0.0,
        type=OrderType(order_type.value)
        if order_type and order_type.value in _ORDER_TYPES
        else OrderType.STOP,
        status=_status(raw.status),
        filled_qty=_float(raw.filled_qty) or 0.0,
        filled_avg_price=_float(raw.filled_avg_price),
        limit_price=_float(raw.limit_price),
        stop_price=_float(raw.stop_price),
        submitted_at=raw.submitted_at,
        updated_at=raw.updated_at,
    )


def _status(raw: Any) -> OrderStatus:
    """Alpaca's order status as ours: the same names, one for one (a test walks the SDK's)."""
    value = getattr(raw, "value", raw)
    try:
        return OrderStatus(value)
    except ValueError:
        logger.error("unknown Alpaca order status %r: kept as open (accepted)", value)
        return OrderStatus.ACCEPTED


def _position(raw: Any) -> Position:
    qty = abs(float(raw.qty)) * (-1 if raw.side.value == "short" else 1)
    avg = float(raw.avg_entry_price)
    return Position(
        symbol=raw.symbol,
        qty=qty,
        avg_entry_price=avg,
        market_price=_float(raw.current_price) or avg,
    )


def _trade_update(raw: Any) -> TradeUpdate:
    event_name = getattr(raw.event, "value", raw.event)
    event = TradeEvent(event_name) if event_name in _EVENTS else TradeEvent.OTHER
    order = _order(raw.order)
    when = raw.timestamp if raw.timestamp.tzinfo else raw.timestamp.replace(tzinfo=UTC)
    fill = None
    if event in (TradeEvent.FILL, TradeEvent.PARTIAL_FILL) and raw.qty and raw.price:
        fill = Fill(
            order_id=order.id,
            client_order_id=order.client_order_id,
            symbol=order.symbol,
            side=order.side,
            qty=float(raw.qty),
            price=float(raw.price),
            time=when,
        )
    return TradeUpdate(
        event=event, order=order, time=when, fill=fill, position_qty=raw.position_qty
    )
