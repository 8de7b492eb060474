"""A fake Alpaca on loopback, so the real alpaca-py clients can be tested without Alpaca.

It speaks what TradingClient, StockHistoricalDataClient, TradingStream and StockDataStream use:

- REST under /v2: account, clock, calendar, orders (submit, list, by id, by client order id,
  replace, cancel, cancel all), positions (list, close one, close all), stocks/bars (paged).
- /stream: the trade_updates WebSocket (JSON; authenticate, then listen), frames sent binary
  like Alpaca's.
- /v2/iex and /v2/sip: the market data WebSocket (msgpack; connected, auth, subscribe, bars).

Tests steer it: `fill()` an order, `publish_bar()` (a closed minute: streamed, and kept in the
history, which folds minutes into longer intraday bars as Alpaca's does), queue faults with
`fail_next()` (429/5xx storms, rejections) or `stall_next()` (the request is processed, the
answer comes too late), `drop_streams()` to cut WebSockets and `data_outage()` to keep the
market data stream unreachable for a while.

It keeps Alpaca's documented rules (each one a test in test_double_rules.py, and its payloads
checked against recorded/): prices on the penny grid (422 42210000 "sub-penny increment"),
shares held by open exit orders are not available to sell (403 40310000), cancels are
asynchronous (204, `pending_cancel`, then `canceled` or `order_cancel_rejected`), bracket legs
are their own orders (take-profit `new` and stop-loss `held` once the entry fills; one leg
filling cancels the other), a request budget per minute (429 plus X-RateLimit-* headers) and
`{"message": "unauthorized."}` without a code for bad keys. Where Alpaca's material leaves a
point open, it is a setting (`open_nested_parents`, `cancel_latency`, `retry_after`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import msgpack
from aiohttp import WSMsgType, web

KEY_ID = "FAKEKEYID"
SECRET = "FAKESECRET"

Json = dict[str, Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """The next `count` matching requests fail with `status`, or are answered `delay` late."""

    count: int
    method: str | None
    path: str | None
    status: int | None = None
    message: str = "fault injected by the fake"
    delay: float = 0.0

    def matches(self, request: web.Request) -> bool:
        return (
            self.count > 0
            and (self.method is None or request.method == self.method)
            and (self.path is None or request.path.startswith(self.path))
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _error(status: int, code: int, message: str, **extra: Any) -> web.Response:
    return web.json_response({"code": code, "message": message, **extra}, status=status)


OPEN_STATES = frozenset(
    {
        "new",
        "accepted",
        "pending_new",
        "accepted_for_bidding",
        "partially_filled",
        "held",
        "pending_cancel",
        "pending_replace",
        "done_for_day",
        "stopped",
        "suspended",
        "calculated",
    }
)  # Alpaca's status=open filter: everything not filled, canceled, expired, replaced, rejected
_CANCELABLE = OPEN_STATES - {"pending_cancel"}


def _off_grid(value: Any) -> bool:
    """Alpaca's rule: at most 2 decimals at or above $1.00, at most 4 below."""
    price = Decimal(str(value))
    places = 2 if price >= 1 else 4
    return price != round(price, places)


def sub_penny(body: Json) -> str | None:
    """The first price in an order body that is off the grid, as Alpaca names it, or None."""
    prices = [
        ("limit_price", body.get("limit_price")),
        ("stop_price", body.get("stop_price")),
        ("limit_price", (body.get("take_profit") or {}).get("limit_price")),
        ("stop_price", (body.get("stop_loss") or {}).get("stop_price")),
    ]
    for name, value in prices:
        if value is not None and _off_grid(value):
            return (
                f"invalid {name} {value}. sub-penny increment does not fulfill minimum "
                "pricing criteria"
            )
    return None


_INTRADAY = {"Min": 1, "T": 1, "Hour": 60, "H": 60}


def _folded(bars: list[tuple[str, Json]], timeframe: str) -> list[tuple[str, Json]]:
    """Stored minute bars as bars of an intraday `timeframe` ("5Min", "1Hour"), as Alpaca's
    REST aggregates them: each labelled with the start of its interval, counted on the clock
    (whole hours, so New York's clock and UTC agree). Other timeframes pass unchanged."""
    amount = "".join(c for c in timeframe if c.isdigit())
    step = int(amount or 1) * _INTRADAY.get(timeframe[len(amount) :], 0)
    if step <= 1:
        return bars
    out: list[tuple[str, Json]] = []
    for symbol, bar in bars:
        moment = datetime.fromisoformat(bar["t"].replace("Z", "+00:00"))
        into_day = moment.hour * 60 + moment.minute
        midnight = moment.replace(hour=0, minute=0)
        label = _iso(midnight + timedelta(minutes=into_day - into_day % step))
        last = out[-1][1] if out and out[-1][0] == symbol else None
        if last is not None and last["t"] == label:
            last.update(
                h=max(last["h"], bar["h"]),
                l=min(last["l"], bar["l"]),
                c=bar["c"],
                vw=(last["vw"] * last["v"] + bar["vw"] * bar["v"]) / (last["v"] + bar["v"] or 1),
                v=last["v"] + bar["v"],
                n=last["n"] + bar["n"],
            )
        else:
            out.append((symbol, {**bar, "t": label}))
    return out


def asset_json(symbol: str, **overrides: Any) -> Json:
    """A /v2/assets entry shaped like Alpaca's example (recorded/asset.json)."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
        "class": "us_equity",
        "exchange": "NASDAQ",
        "symbol": symbol,
        "name": f"{symbol} Inc. Common Stock",
        "status": "active",
        "tradable": True,
        "marginable": True,
        "maintenance_margin_requirement": 30,
        "shortable": True,
        "easy_to_borrow": True,
        "fractionable": True,
        "last_close_pct_change": None,
        "last_price": None,
        "attributes": [],
        **overrides,
    }


@dataclass
class FakeAlpaca:
    """Server state and controls; `async with FakeAlpaca() as fake:` runs it on a free port."""

    cash: float = 100_000.0
    prices: dict[str, float] = field(default_factory=dict)
    bars: dict[str, list[Json]] = field(default_factory=dict)
    bars_page_size: int = 1000
    is_open: bool = True
    orders: dict[str, Json] = field(default_factory=dict)
    positions: dict[str, Json] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)  # monotonic, one per request
    faults: list[Fault] = field(default_factory=list)
    trade_logins: int = 0
    data_logins: int = 0
    data_subscriptions: set[str] = field(default_factory=set)
    # None: cancels wait for confirm_cancels(); a number: confirmed that many seconds later
    cancel_latency: float | None = 0.0
    # status=open&nested=true after a bracket's entry filled: True lists the filled parent with
    # its open legs nested, False lists the open legs at the top level (Alpaca does not say)
    open_nested_parents: bool = True
    rate_limit: int | None = None  # requests per rate_window; Alpaca's is 200 a minute
    rate_window: float = 60.0
    throttled: int = 0  # requests answered 429 for the rate limit
    retry_after: bool = False  # send Retry-After on a 429 (Alpaca documents X-RateLimit-Reset)
    assets: dict[str, Json] = field(default_factory=dict)  # symbol -> /v2/assets entry
    data_connections: int = 1  # the IEX (free) plan allows one market data connection per key
    data_subscription: bool = True  # False: the feed is not in the plan (409)
    data_down: bool = False  # see data_outage()

    def __post_init__(self) -> None:
        self._parent_of: dict[str, str] = {}  # bracket leg id -> entry order id
        self._cancel_requested: set[str] = set()  # ids whose cancel is not yet answered
        self._window: list[float] = []  # monotonic times of the requests in the rate window
        self._timers: set[asyncio.Task[None]] = set()
        for symbol in self.prices:
            self.assets.setdefault(symbol, asset_json(symbol))
        self._runner: web.AppRunner | None = None
        self._trade_sockets: set[web.WebSocketResponse] = set()
        self._data_sockets: set[web.WebSocketResponse] = set()
        self._data_authed: set[web.WebSocketResponse] = set()
        self._muted: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Condition()
        self.base_url = ""

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> FakeAlpaca:
        app = web.Application(middlewares=[self._faults_middleware])
        app.add_routes(
            [
                web.get("/v2/account", self._account),
                web.get("/v2/clock", self._clock),
                web.get("/v2/assets", self._list_assets),
                web.get("/v2/assets/{symbol}", self._get_asset),
                web.get("/v2/calendar", self._calendar),
                web.get("/v2/positions", self._list_positions),
                web.delete("/v2/positions", self._close_all),
                web.delete("/v2/positions/{symbol}", self._close_position),
                web.get("/v2/orders", self._list_orders),
                web.post("/v2/orders", self._submit),
                web.delete("/v2/orders", self._cancel_all),
                web.get("/v2/orders:by_client_order_id", self._by_client_id),
                web.get("/v2/orders/{id}", self._get_order),
                web.patch("/v2/orders/{id}", self._replace),
                web.delete("/v2/orders/{id}", self._cancel),
                web.get("/v2/stocks/bars", self._stock_bars),
                web.get("/stream", self._trade_stream),
                web.get("/v2/{feed:iex|sip}", self._data_stream),
            ]
        )
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        for timer in list(self._timers):
            timer.cancel()
        await self.drop_streams()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def trading_stream_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/stream"

    @property
    def data_stream_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/v2/iex"

    # ------------------------------------------------------------------ controls
    def fail_next(
        self,
        count: int,
        status: int,
        *,
        method: str | None = None,
        path: str | None = None,
        message: str = "fault injected by the fake",
    ) -> Fault:
        """The next `count` matching requests get `status` without being processed."""
        fault = Fault(count, method, path, status=status, message=message)
        self.faults.append(fault)
        return fault

    def stall_next(
        self, count: int, delay: float, *, method: str | None = None, path: str | None = None
    ) -> Fault:
        """The next `count` matching requests are processed, but answered `delay` seconds late."""
        fault = Fault(count, method, path, delay=delay)
        self.faults.append(fault)
        return fault

    def count(self, method: str, path: str) -> int:
        """How many requests with this method and path the fake received."""
        return sum(1 for m, p in self.requests if (m, p) == (method, path))

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Block until `condition()` holds, re-checked whenever the fake's state changes."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), within)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def fill(self, order_id: str, price: float, qty: float | None = None) -> Json:
        """Fill (part of) an open order at `price` and tell the trade_updates listeners."""
        order = self.orders[order_id]
        total, done = float(order["qty"]), float(order["filled_qty"])
        qty = total - done if qty is None else qty
        before = float(order["filled_avg_price"] or 0.0)
        filled = done + qty
        order["filled_avg_price"] = str((before * done + price * qty) / filled)
        order["filled_qty"] = str(filled)
        order["status"] = "filled" if filled >= total else "partially_filled"
        order["updated_at"] = order["filled_at"] = _iso(datetime.now(UTC))
        signed = qty if order["side"] == "buy" else -qty
        self.cash -= signed * price
        position_qty = self._book(order["symbol"], signed, price)
        event = "fill" if order["status"] == "filled" else "partial_fill"
        await self.push_trade_update(
            event,
            order,
            execution_id=str(uuid.uuid4()),
            price=str(price),
            qty=str(qty),
            position_qty=str(position_qty),
        )
        if order["status"] == "filled":
            await self._after_fill(order)
        return order

    async def _after_fill(self, order: Json) -> None:
        """A filled entry activates its legs (take-profit `new`, stop-loss stays `held`); a
        filled leg cancels its sibling."""
        for leg in order.get("legs") or []:
            if leg["type"] == "limit" and leg["status"] == "held":
                leg["status"] = "new"
                leg["updated_at"] = _iso(datetime.now(UTC))
                await self.push_trade_update("new", leg)
        parent = self.orders.get(self._parent_of.get(order["id"], ""))
        for sibling in (parent or {}).get("legs") or []:
            if sibling["id"] != order["id"] and sibling["status"] in OPEN_STATES:
                await self._finish_cancel(sibling)

    def entries(self) -> list[Json]:
        """The orders placed, without bracket legs (those are orders too, under their entry)."""
        return [o for o in self.orders.values() if o["id"] not in self._parent_of]

    def legs(self, order_id: str) -> list[Json]:
        """The legs of a bracket entry, take-profit first."""
        return list(self.orders[order_id].get("legs") or [])

    async def confirm_cancels(self) -> None:
        """Answer every cancel request still pending (with `cancel_latency=None`)."""
        for order_id in sorted(self._cancel_requested):
            await self._finish_cancel(self.orders[order_id])

    async def _finish_cancel(self, order: Json) -> None:
        requested = order["id"] in self._cancel_requested
        self._cancel_requested.discard(order["id"])
        if order["status"] not in OPEN_STATES:
            if requested:
                await self.push_trade_update("order_cancel_rejected", order)
            return
        order["status"] = "canceled"
        order["canceled_at"] = order["updated_at"] = _iso(datetime.now(UTC))
        await self.push_trade_update("canceled", order)
        for leg in order.get("legs") or []:
            if leg["status"] in OPEN_STATES:
                await self._finish_cancel(leg)
        await self._notify()

    async def expire_day_orders(self) -> None:
        """The close: every open DAY order expires, as Alpaca reports at 16:00 ET."""
        for order in list(self.orders.values()):
            if order["status"] in OPEN_STATES and order["time_in_force"] == "day":
                order["status"] = "expired"
                order["expired_at"] = order["updated_at"] = _iso(datetime.now(UTC))
                await self.push_trade_update("expired", order)

    async def push_trade_update(self, event: str, order: Json, **extra: str) -> None:
        """Send one trade_updates message to every listening stream client."""
        data = {"event": event, "order": order, "timestamp": _iso(datetime.now(UTC)), **extra}
        frame = json.dumps({"stream": "trade_updates", "data": data}).encode()
        for socket in list(self._trade_sockets):
            await socket.send_bytes(frame)

    async def publish_bar(self, symbol: str, time: datetime, ohlcv: tuple[float, ...]) -> None:
        """A minute closed: its bar joins the history (GET /v2/stocks/bars has every bar,
        streamed or not) and goes to the data stream clients subscribed to `symbol`."""
        o, h, low, c, v = ohlcv
        stored = {"t": _iso(time), "o": o, "h": h, "l": low, "c": c, "v": v, "n": 10}
        self.bars.setdefault(symbol, []).append({**stored, "vw": (h + low + c) / 3})
        bar = {
            "T": "b",
            "S": symbol,
            "o": o,
            "h": h,
            "l": low,
            "c": c,
            "v": v,
            "t": msgpack.Timestamp.from_datetime(time),
            "n": 10,
            "vw": (h + low + c) / 3,
        }
        if symbol in self.data_subscriptions or "*" in self.data_subscriptions:
            for socket in list(self._data_sockets - self._muted):
                await socket.send_bytes(msgpack.packb([bar]))

    def mute_data_streams(self) -> None:
        """The data connections open now stay up but go silent (a half-dead link); a new
        connection gets bars again."""
        self._muted |= self._data_sockets

    def data_outage(self, down: bool) -> None:
        """While down, the market data stream refuses connections (503), as in a network
        outage; bars published meanwhile reach only the history."""
        self.data_down = down

    async def drop_streams(self) -> None:
        """Cut every WebSocket connection, as a network blip or a server restart would."""
        for socket in list(self._trade_sockets | self._data_sockets):
            await socket.close(code=1011, message=b"dropped by the fake")

    # ------------------------------------------------------------------ plumbing
    @web.middleware
    async def _faults_middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        self.request_times.append(time.monotonic())
        fault = next((f for f in self.faults if f.matches(request)), None)
        if fault is not None:
            fault.count -= 1
        if request.path.startswith("/v2/") and not self._authorized(request):
            return web.json_response({"message": "unauthorized."}, status=401)
        limited = self._rate_limited(request)
        if limited is not None:
            return limited
        if fault is not None and fault.status is not None:
            return _error(fault.status, fault.status * 100_000, fault.message)
        response = await handler(request)
        await self._notify()
        if fault is not None and fault.delay:
            await asyncio.sleep(fault.delay)
        return response

    def _rate_limited(self, request: web.Request) -> web.Response | None:
        """429 once the key spent its requests in the window (streams are not counted)."""
        if self.rate_limit is None or request.headers.get("Upgrade", "").lower() == "websocket":
            return None
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < self.rate_window]
        if len(self._window) < self.rate_limit:
            self._window.append(now)
            return None
        self.throttled += 1
        wait = self.rate_window - (now - self._window[0])
        headers = {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(time.time() + wait) + 1),
        }
        if self.retry_after:
            headers["Retry-After"] = str(max(1, round(wait)))
        return web.Response(status=429, text="rate limit exceeded", headers=headers)

    def requests_since(self, start: int) -> list[tuple[str, str]]:
        """The requests after the first `start` ones, to count what one duty cost."""
        return self.requests[start:]

    def _authorized(self, request: web.Request) -> bool:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return True  # streams authenticate in-band
        return (
            request.headers.get("APCA-API-KEY-ID") == KEY_ID
            and request.headers.get("APCA-API-SECRET-KEY") == SECRET
        )

    def _book(self, symbol: str, signed: float, price: float) -> float:
        held = self.positions.get(symbol)
        qty = float(held["qty"]) if held else 0.0
        avg = float(held["avg_entry_price"]) if held else 0.0
        new_qty = qty + signed
        if abs(new_qty) < 1e-9:
            self.positions.pop(symbol, None)
            return 0.0
        if qty == 0 or (qty > 0) == (signed > 0):
            avg = (abs(qty) * avg + abs(signed) * price) / abs(new_qty)
        elif (new_qty > 0) != (qty > 0):
            avg = price
        self.prices.setdefault(symbol, price)
        self.positions[symbol] = {"symbol": symbol, "qty": new_qty, "avg_entry_price": avg}
        return new_qty

    def _position_json(self, symbol: str) -> Json:
        held = self.positions[symbol]
        qty, avg = float(held["qty"]), float(held["avg_entry_price"])
        price = self.prices.get(symbol, avg)
        return {
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
            "symbol": symbol,
            "exchange": "NASDAQ",
            "asset_class": "us_equity",
            "asset_marginable": True,
            "avg_entry_price": str(avg),
            "qty": str(qty),
            "side": "long" if qty > 0 else "short",
            "market_value": str(qty * price),
            "cost_basis": str(qty * avg),
            "unrealized_pl": str((price - avg) * qty),
            "unrealized_plpc": str((price - avg) / avg if avg else 0.0),
            "unrealized_intraday_pl": str((price - avg) * qty),
            "unrealized_intraday_plpc": str((price - avg) / avg if avg else 0.0),
            "current_price": str(price),
            "lastday_price": str(avg),
            "change_today": str((price - avg) / avg if avg else 0.0),
            "qty_available": str(self.qty_available(symbol)),
        }

    def qty_available(self, symbol: str) -> float:
        """The position less the shares its open exit orders hold (an OCO pair holds once)."""
        held = self.positions.get(symbol)
        if held is None:
            return 0.0
        qty = float(held["qty"])
        exit_side = "sell" if qty > 0 else "buy"
        reserved = 0.0
        for order in self.orders.values():
            if order["symbol"] != symbol or order["id"] in self._parent_of:
                continue
            remaining = float(order["qty"]) - float(order["filled_qty"])
            legs = [o for o in order.get("legs") or [] if o["status"] in OPEN_STATES]
            if order["status"] in OPEN_STATES and order["side"] == exit_side:
                reserved += remaining
            elif order["status"] == "filled" and legs and legs[0]["side"] == exit_side:
                reserved += max(float(leg["qty"]) - float(leg["filled_qty"]) for leg in legs)
        return max(abs(qty) - reserved, 0.0)

    def _insufficient_qty(self, symbol: str, side: str, qty: float) -> web.Response | None:
        """Alpaca's 403 for an order that would sell (or cover) shares other orders hold."""
        held = self.positions.get(symbol)
        if held is None or (float(held["qty"]) > 0) == (side == "buy"):
            return None
        available = self.qty_available(symbol)
        if qty <= available + 1e-9:
            return None
        related = [
            o["id"]
            for o in self.orders.values()
            if o["symbol"] == symbol and o["status"] in OPEN_STATES and o["side"] == side
        ]
        return _error(
            403,
            40310000,
            f"insufficient qty available for order (requested: {qty:g}, available: {available:g})",
            available=f"{available:g}",
            existing_qty=f"{abs(float(held['qty'])):g}",
            held_for_orders=f"{abs(float(held['qty'])) - available:g}",
            related_orders=related,
            symbol=symbol,
        )

    def _equity(self) -> float:
        return self.cash + sum(
            float(p["qty"]) * self.prices.get(s, float(p["avg_entry_price"]))
            for s, p in self.positions.items()
        )

    def _new_order(self, body: Json, *, parent_class: str = "simple") -> Json:
        now = _iso(datetime.now(UTC))
        order_type = body.get("type", "market")
        return {
            "id": str(uuid.uuid4()),
            "client_order_id": body.get("client_order_id") or str(uuid.uuid4()),
            "created_at": now,
            "updated_at": now,
            "submitted_at": now,
            "filled_at": None,
            "expired_at": None,
            "canceled_at": None,
            "failed_at": None,
            "replaced_at": None,
            "replaced_by": None,
            "replaces": None,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, body["symbol"])),
            "symbol": body["symbol"],
            "asset_class": "us_equity",
            "notional": None,
            "qty": str(body["qty"]),
            "filled_qty": "0",
            "filled_avg_price": None,
            "order_class": parent_class,
            "order_type": order_type,
            "type": order_type,
            "side": body["side"],
            "time_in_force": body.get("time_in_force", "day"),
            "limit_price": None if body.get("limit_price") is None else str(body["limit_price"]),
            "stop_price": None if body.get("stop_price") is None else str(body["stop_price"]),
            "status": "accepted",
            "extended_hours": False,
            "legs": None,
            "trail_percent": None,
            "trail_price": None,
            "hwm": None,
            "commission": 0,
        }

    # ------------------------------------------------------------------ REST
    async def _account(self, request: web.Request) -> web.Response:
        equity = self._equity()
        return web.json_response(
            {
                "id": "7a6f5c1e-0000-4000-8000-000000000001",
                "account_number": "PA0FAKE",
                "status": "ACTIVE",
                "currency": "USD",
                "cash": str(self.cash),
                "equity": str(equity),
                "last_equity": "100000",
                "buying_power": str(max(self.cash, 0.0)),
                "portfolio_value": str(equity),
                "trading_blocked": False,
                "account_blocked": False,
                "multiplier": "1",
            }
        )

    async def _clock(self, request: web.Request) -> web.Response:
        now = datetime.now(UTC)
        return web.json_response(
            {
                "timestamp": _iso(now),
                "is_open": self.is_open,
                "next_open": _iso(now + timedelta(hours=17)),
                "next_close": _iso(now + timedelta(hours=1)),
            }
        )

    async def _calendar(self, request: web.Request) -> web.Response:
        start = date.fromisoformat(request.query["start"])
        end = date.fromisoformat(request.query["end"])
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return web.json_response(
            [
                {
                    "date": d.isoformat(),
                    "open": "09:30",
                    "close": "13:00" if d.month == 12 and d.day == 24 else "16:00",
                }
                for d in days
                if d.weekday() < 5
            ]
        )

    async def _list_positions(self, request: web.Request) -> web.Response:
        return web.json_response([self._position_json(s) for s in sorted(self.positions)])

    async def _close_position(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"]
        if symbol not in self.positions:
            return _error(404, 40410000, f"position not found: {symbol}")
        held = float(self.positions[symbol]["qty"])
        qty = float(request.query.get("qty", abs(held)))
        side = "sell" if held > 0 else "buy"
        refused = self._insufficient_qty(symbol, side, qty)
        if refused is not None:
            return refused
        order = self._new_order({"symbol": symbol, "qty": qty, "side": side})
        self.orders[order["id"]] = order
        return web.json_response(order)

    async def _close_all(self, request: web.Request) -> web.Response:
        if request.query.get("cancel_orders") in ("True", "true"):
            for order in list(self.orders.values()):  # Alpaca cancels first, on its side
                if order["status"] in OPEN_STATES:
                    await self._finish_cancel(order)
        answers = []
        for symbol in sorted(self.positions):
            held = float(self.positions[symbol]["qty"])
            side = "sell" if held > 0 else "buy"
            refused = self._insufficient_qty(symbol, side, abs(held))
            if refused is not None:
                body = json.loads(refused.text or "{}")
                answers.append({"symbol": symbol, "status": 403, "body": body})
                continue
            order = self._new_order({"symbol": symbol, "qty": abs(held), "side": side})
            self.orders[order["id"]] = order
            answers.append(
                {"symbol": symbol, "status": 200, "order_id": order["id"], "body": order}
            )
        return web.json_response(answers, status=207)

    async def _list_orders(self, request: web.Request) -> web.Response:
        status = request.query.get("status", "open")
        symbols = set(filter(None, request.query.get("symbols", "").split(",")))
        limit = int(request.query.get("limit", "50"))
        nested = request.query.get("nested") in ("True", "true")

        def wanted(order: Json) -> bool:
            is_open = order["status"] in OPEN_STATES
            return (status == "all" or is_open == (status == "open")) and (
                not symbols or order["symbol"] in symbols
            )

        found: list[Json] = []
        for order in reversed(self.orders.values()):
            if not nested:
                if wanted(order):
                    found.append({**order, "legs": None})
                continue
            if order["id"] in self._parent_of:
                parent = self.orders[self._parent_of[order["id"]]]
                if wanted(order) and not wanted(parent) and not self.open_nested_parents:
                    found.append(order)  # an open leg of a closed entry, on its own
                continue
            open_legs = any(wanted(leg) for leg in order.get("legs") or [])
            if wanted(order) or (open_legs and self.open_nested_parents and status == "open"):
                found.append(order)
        return web.json_response(found[:limit])

    async def _submit(self, request: web.Request) -> web.Response:
        body = await request.json()
        client_id = body.get("client_order_id")
        if client_id and any(o["client_order_id"] == client_id for o in self.orders.values()):
            return _error(422, 40010001, "client_order_id must be unique")
        if float(body.get("qty") or 0) <= 0:
            return _error(422, 40010001, "qty must be > 0")
        asset = self.assets.get(body["symbol"])
        if asset is None or not asset["tradable"]:
            return _error(422, 40010001, f'asset "{body["symbol"]}" not found or not tradable')
        off_grid = sub_penny(body)
        if off_grid is not None:
            return _error(422, 42210000, off_grid)
        refused = self._insufficient_qty(body["symbol"], body["side"], float(body["qty"]))
        if refused is not None:
            return refused
        price = body.get("limit_price") or self.prices.get(body["symbol"])
        if (
            body["side"] == "buy"
            and price is not None
            and float(body["qty"]) * float(price) > self.cash
        ):
            return _error(403, 40310000, "insufficient buying power")
        order = self._new_order(body, parent_class=body.get("order_class") or "simple")
        if body.get("order_class") == "bracket":
            exit_side = "sell" if body["side"] == "buy" else "buy"
            take = {
                "symbol": body["symbol"],
                "qty": body["qty"],
                "side": exit_side,
                "type": "limit",
            }
            stop = {"symbol": body["symbol"], "qty": body["qty"], "side": exit_side, "type": "stop"}
            take["limit_price"] = body["take_profit"]["limit_price"]
            stop["stop_price"] = body["stop_loss"]["stop_price"]
            take["time_in_force"] = stop["time_in_force"] = order["time_in_force"]
            order["legs"] = [self._new_order(take), self._new_order(stop)]
            for leg in order["legs"]:
                leg["status"] = "held"
                self._parent_of[leg["id"]] = order["id"]
        self.orders[order["id"]] = order
        for leg in order["legs"] or []:
            self.orders[leg["id"]] = leg
        await self.push_trade_update("new", order)
        return web.json_response(order)

    async def _by_client_id(self, request: web.Request) -> web.Response:
        wanted = request.query.get("client_order_id")
        for order in self.orders.values():
            if order["client_order_id"] == wanted:
                return web.json_response(order)
        return _error(404, 40410000, "order not found")

    async def _get_order(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.match_info["id"])
        if order is None:
            return _error(404, 40410000, "order not found")
        return web.json_response(order)

    async def _cancel(self, request: web.Request) -> web.Response:
        order = self.orders.get(request.match_info["id"])
        if order is None:
            return _error(404, 40410000, "order not found")
        if order["status"] not in _CANCELABLE:
            return _error(422, 42210000, f'order is already in "{order["status"]}" state')
        await self._request_cancel(order)
        return web.Response(status=204)

    async def _request_cancel(self, order: Json) -> None:
        """204 means requested: `pending_cancel` now, the outcome later on the stream."""
        order["status"] = "pending_cancel"
        order["updated_at"] = _iso(datetime.now(UTC))
        self._cancel_requested.add(order["id"])
        await self.push_trade_update("pending_cancel", order)
        if self.cancel_latency is not None:
            timer = asyncio.create_task(self._confirm_later(order, self.cancel_latency))
            self._timers.add(timer)
            timer.add_done_callback(self._timers.discard)

    async def _confirm_later(self, order: Json, delay: float) -> None:
        await asyncio.sleep(delay)
        await self._finish_cancel(order)

    async def _cancel_all(self, request: web.Request) -> web.Response:
        answers = []
        for order in list(self.orders.values()):
            if order["status"] in _CANCELABLE and order["id"] not in self._parent_of:
                await self._request_cancel(order)
                answers.append({"id": order["id"], "status": 200, "body": order})
        return web.json_response(answers, status=207)

    async def _replace(self, request: web.Request) -> web.Response:
        old = self.orders.get(request.match_info["id"])
        if old is None:
            return _error(404, 40410000, "order not found")
        if old["status"] not in ("new", "accepted", "partially_filled", "held"):
            return _error(422, 42210000, f'order is already in "{old["status"]}" state')
        body = await request.json()
        off_grid = sub_penny(body)
        if off_grid is not None:
            return _error(422, 42210000, off_grid)
        merged = {**old, **{k: v for k, v in body.items() if v is not None}}
        if any(o["client_order_id"] == body.get("client_order_id") for o in self.orders.values()):
            return _error(422, 40010001, "client_order_id must be unique")
        new = self._new_order(merged, parent_class=old["order_class"])
        new["replaces"] = old["id"]
        old["status"] = "replaced"
        old["replaced_by"] = new["id"]
        self.orders[new["id"]] = new
        await self.push_trade_update("replaced", old)
        await self.push_trade_update("new", new)
        return web.json_response(new)

    async def _list_assets(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.assets.values()))

    async def _get_asset(self, request: web.Request) -> web.Response:
        asset = self.assets.get(request.match_info["symbol"])
        if asset is None:
            return _error(404, 40410000, "asset not found")
        return web.json_response(asset)

    async def _stock_bars(self, request: web.Request) -> web.Response:
        symbols = request.query["symbols"].split(",")
        start = datetime.fromisoformat(request.query["start"])
        end = datetime.fromisoformat(
            request.query.get("end", _iso(datetime.now(UTC))).replace("Z", "+00:00")
        )
        limit = min(int(request.query.get("limit", "1000")), self.bars_page_size)
        skip = int(request.query.get("page_token") or 0)
        wanted = [
            (s, b)
            for s in symbols
            for b in self.bars.get(s, [])
            if start <= datetime.fromisoformat(b["t"].replace("Z", "+00:00")) < end
        ]
        wanted = _folded(wanted, request.query.get("timeframe", "1Min"))
        page = wanted[skip : skip + limit]
        grouped = {
            s: [b for _, b in group] for s, group in itertools.groupby(page, key=lambda p: p[0])
        }
        token = str(skip + limit) if skip + limit < len(wanted) else None
        return web.json_response({"bars": grouped, "next_page_token": token})

    # ------------------------------------------------------------------ WebSockets
    async def _trade_stream(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            payload = json.loads(message.data)
            if payload.get("action") == "authenticate":
                data = payload.get("data", {})
                ok = data.get("key_id") == KEY_ID and data.get("secret_key") == SECRET
                status = "authorized" if ok else "unauthorized"
                reply = {
                    "stream": "authorization",
                    "data": {"status": status, "action": "authenticate"},
                }
                await socket.send_bytes(json.dumps(reply).encode())
                if not ok:
                    break
                self.trade_logins += 1
            elif payload.get("action") == "listen":
                streams = payload["data"]["streams"]
                self._trade_sockets.add(socket)
                await socket.send_bytes(
                    json.dumps({"stream": "listening", "data": {"streams": streams}}).encode()
                )
                await self._notify()
        self._trade_sockets.discard(socket)
        await self._notify()
        return socket

    @property
    def trade_listeners(self) -> int:
        """Trade stream clients currently listening."""
        return len(self._trade_sockets)

    @property
    def data_listeners(self) -> int:
        """Data stream clients currently subscribed."""
        return len(self._data_sockets)

    async def _data_stream(self, request: web.Request) -> web.WebSocketResponse:
        if self.data_down:
            return web.Response(status=503, text="market data unreachable")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        await socket.send_bytes(msgpack.packb([{"T": "success", "msg": "connected"}]))
        async for message in socket:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            payload = msgpack.unpackb(message.data)
            if payload.get("action") == "auth":
                refusal = self._data_refusal(payload)
                if refusal is not None:
                    code, msg = refusal
                    await socket.send_bytes(
                        msgpack.packb([{"T": "error", "code": code, "msg": msg}])
                    )
                    break
                self._data_authed.add(socket)
                self.data_logins += 1
                await socket.send_bytes(msgpack.packb([{"T": "success", "msg": "authenticated"}]))
            elif payload.get("action") == "subscribe":
                self.data_subscriptions.update(payload.get("bars", []))
                self._data_sockets.add(socket)
                ack = {
                    "T": "subscription",
                    "trades": [],
                    "quotes": [],
                    "bars": sorted(self.data_subscriptions),
                }
                await socket.send_bytes(msgpack.packb([ack]))
                await self._notify()
        self._data_sockets.discard(socket)
        self._muted.discard(socket)
        self._data_authed.discard(socket)
        await self._notify()
        return socket

    def _data_refusal(self, payload: Json) -> tuple[int, str] | None:
        """Alpaca's in-band refusals of a market data login (its stream error codes)."""
        if payload.get("key") != KEY_ID or payload.get("secret") != SECRET:
            return 402, "auth failed"
        if len(self._data_authed) >= self.data_connections:
            return 406, "connection limit exceeded"
        if not self.data_subscription:
            return 409, "insufficient subscription"
        return None
