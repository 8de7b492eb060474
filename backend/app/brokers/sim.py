"""An offline paper exchange, so the bot trades with no Alpaca account and tests need no network.

Feed it prices with `on_bar(bar)` (or `on_price`): orders resting before the bar are matched
against it by the simulated market's rules (`app.simulation`, which the backtester uses too),
then the bar's close marks positions. Orders placed after a bar therefore fill on the next one,
never on prices they were decided on; a bracket's exits go live on the bar after its entry.
Everything is deterministic: order ids count up, times come from the bars. The exchange never
closes (its sessions are UTC days: a DAY order expires when a later day's bar arrives than
the first bar it met). With a volume cap (`max_volume_share`) an order takes at most that share
of each bar's volume: it stays partially filled and fills more on the next bars, and a
bracket's exits go live once the entry is done, for the quantity filled. It lives in the
process's memory: a restarted backend rebuilds it with `restore` from the fills and working
orders the database kept. Not modelled: borrow fees.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from pydantic import Field

from app.brokers.base import (
    Broker,
    DuplicateClientOrderId,
    MarketClock,
    NotFound,
    OrderQuery,
    OrderRejected,
    TradeEvent,
    TradeUpdate,
    TradingDay,
)
from app.brokers.fanout import Fanout
from app.brokers.sim_ledger import Ledger
from app.domain import (
    Account,
    Asset,
    Bar,
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
)
from app.simulation import QTY_EPSILON, FillModel, MarketConfig

logger = logging.getLogger(__name__)

_TAKE_PROFIT, _STOP_LOSS = ".tp", ".sl"  # client order id suffixes of a bracket's exits


class SimBrokerConfig(MarketConfig):
    """The simulated market's costs and conventions plus the account's buying power."""

    buying_power_multiplier: float = Field(1.0, gt=0, le=4)  # 1 = cash account, 2 = Reg T margin


@dataclass(slots=True)
class _Leg:
    """A bracket exit waiting for its entry to fill."""

    take_profit: float
    stop_loss: float


@dataclass(slots=True)
class _Resting:
    """Exchange-side state of an order that the domain `Order` does not carry."""

    order: Order
    bracket: _Leg | None = None
    oco_with: str | None = None  # id of the other leg: when one fills, the other is canceled
    triggered: bool = False  # stop-limit: the stop was reached, it now rests as a limit
    reserved: float = 0.0  # buying power held for it while it is open
    sequence: int = 0  # place in submission order
    time_in_force: TimeInForce = TimeInForce.DAY
    session: date | None = None  # day of the first bar it met: a DAY order lives that day
    met: datetime | None = None  # time of the last bar matched against it: one match a bar


class SimBroker(Broker):
    """A deterministic exchange and account in memory."""

    def __init__(self, config: SimBrokerConfig | None = None) -> None:
        self.config = config or SimBrokerConfig()
        self._fills = FillModel(self.config)
        self._ledger = Ledger(self.config.cash)
        self._orders: dict[str, _Resting] = {}  # by id, in submission order
        self._open_by_symbol: dict[str, dict[str, _Resting]] = {}
        self._reserved = 0.0  # buying power held by open orders
        self._by_client_id: dict[str, str] = {}
        self._updates = Fanout()
        self._now: datetime | None = None
        self._last_equity = self.config.cash
        self._sequence = 0
        # Ids of another SimBroker (a restarted or newly leading process) never repeat these: the
        # database keeps every order by broker id and client order id across processes.
        self._instance = secrets.randbits(64)
        self._instance_tag = f"{self._instance:016x}"[:8]

    # ----------------------------------------------------------------- prices in
    def on_bar(self, bar: Bar) -> None:
        """Match resting orders of `bar.symbol` against the bar, then mark at its close."""
        if self._now is not None and bar.time.date() > self._now.date():
            self._last_equity = self._ledger.equity()
        self._now = bar.time if self._now is None else max(self._now, bar.time)
        if bar.symbol not in self._ledger.marks:
            self._ledger.set_mark(bar.symbol, bar.open)
        for resting in list(self._open_by_symbol.get(bar.symbol, {}).values()):
            self._begin_or_expire(resting, bar.time)
        for resting in list(self._open_by_symbol.get(bar.symbol, {}).values()):
            if resting.order.status.is_open:
                self._match(resting, bar)
        self._ledger.set_mark(bar.symbol, bar.close)

    def on_price(self, symbol: str, price: float, at: datetime) -> None:
        """A single trade print: a bar whose open, high, low and close are all `price` (of no
        volume, so under a volume cap it trades nothing)."""
        self.on_bar(Bar(symbol, at, price, price, price, price, 0.0))

    @property
    def realized_pl(self) -> float:
        """P&L realized by closing trades, before commission."""
        return self._ledger.realized_pl

    @property
    def commission_paid(self) -> float:
        """Commission charged on every fill so far."""
        return self._ledger.commission_paid

    @property
    def traded(self) -> bool:
        """Whether this exchange has filled an order (or carried on an earlier account)."""
        return self._ledger.fills > 0

    def needs_restore(self) -> bool:
        return not self.traded

    def restore(
        self, fills: Sequence[Fill], working: Sequence[tuple[str, OrderRequest]]
    ) -> dict[str, str]:
        """Carry on the account of an exchange that lived in an earlier process: book its fills
        and reopen its working orders (broker id, order) under their ids, bracket exits paired
        again. Returns the orders that could not be reopened, by client order id, with why."""
        if self.traded:
            raise RuntimeError("this simulated exchange has traded: its account is its own")
        for fill in fills:
            commission = self._fills.commission(fill.qty, fill.price)
            self._ledger.book(fill.symbol, fill.side, fill.qty, fill.price, commission)
        refused: dict[str, str] = {}
        for order_id, request in working:
            if request.client_order_id in self._by_client_id:
                continue  # placed with this exchange already
            try:
                exit_leg = request.client_order_id.endswith((_TAKE_PROFIT, _STOP_LOSS))
                reserve = 0.0 if exit_leg else self._check_affordable(request)
            except OrderRejected as rejected:
                refused[request.client_order_id] = rejected.reason
                continue
            self._open_request(request, reserve, order_id)
        self._pair_exits()
        self._last_equity = self._ledger.equity()
        return refused

    def _pair_exits(self) -> None:
        """Bracket exits (the entry's client order id with their suffix) are one-cancels-other
        again."""
        for client_order_id, order_id in self._by_client_id.items():
            if not client_order_id.endswith(_TAKE_PROFIT):
                continue
            entry = client_order_id.removesuffix(_TAKE_PROFIT)
            stop_id = self._by_client_id.get(entry + _STOP_LOSS)
            take, stop = self._orders[order_id], self._orders.get(stop_id or "")
            if stop is not None and take.order.status.is_open and stop.order.status.is_open:
                take.oco_with, stop.oco_with = stop.order.id, take.order.id

    # ----------------------------------------------------------------- reads
    async def get_account(self) -> Account:
        equity = self._ledger.equity()
        return Account(
            cash=self._ledger.cash,
            equity=equity,
            buying_power=self._buying_power(equity),
            last_equity=self._last_equity,
        )

    async def get_clock(self) -> MarketClock:
        now = self._clock()
        tomorrow = datetime.combine(now.date() + timedelta(days=1), time(), tzinfo=UTC)
        return MarketClock(timestamp=now, is_open=True, next_open=now, next_close=tomorrow)

    async def get_calendar(self, start: date, end: date) -> list[TradingDay]:
        if end < start:
            raise ValueError(f"calendar end {end} is before start {start}")
        days = (start + timedelta(days=n) for n in range((end - start).days + 1))
        return [
            TradingDay(
                date=d,
                open=datetime.combine(d, time(), tzinfo=UTC),
                close=datetime.combine(d + timedelta(days=1), time(), tzinfo=UTC),
            )
            for d in days
        ]

    async def get_positions(self) -> list[Position]:
        return self._ledger.positions()

    async def get_orders(
        self,
        status: OrderQuery = OrderQuery.OPEN,
        *,
        symbols: Sequence[str] | None = None,
        limit: int = 500,
    ) -> list[Order]:
        def wanted(order: Order) -> bool:
            if status is OrderQuery.ALL:
                return True
            return order.status.is_open == (status is OrderQuery.OPEN)

        if status is OrderQuery.OPEN:  # the common poll: only open orders, newest first
            books = (self._open_by_symbol.get(s, {}) for s in symbols or self._open_by_symbol)
            candidates = sorted(
                (r for book in books for r in book.values()),
                key=lambda r: r.sequence,
                reverse=True,
            )
        else:
            candidates = list(reversed(self._orders.values()))
        found = [
            r.order
            for r in candidates
            if wanted(r.order) and (symbols is None or r.order.symbol in symbols)
        ]
        return found[:limit]

    async def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        order_id = self._by_client_id.get(client_order_id)
        return self._orders[order_id].order if order_id else None

    # ----------------------------------------------------------------- orders
    async def get_asset(self, symbol: str) -> Asset | None:
        """Known once the market has priced it: an order in a symbol it never saw would wait
        for a bar forever, so the engine refuses it up front."""
        if symbol not in self._ledger.marks:
            return None
        short = self.config.allow_short
        return Asset(symbol, shortable=short, easy_to_borrow=short, fractionable=True)

    async def submit_order(self, request: OrderRequest) -> Order:
        if request.client_order_id in self._by_client_id:
            existing = self._orders[self._by_client_id[request.client_order_id]].order
            raise DuplicateClientOrderId(request.client_order_id, existing=existing, status=422)
        _validate(request)
        return self._open_request(request, self._check_affordable(request))

    def _open_request(
        self, request: OrderRequest, reserve: float, order_id: str | None = None
    ) -> Order:
        bracket = None
        if request.take_profit is not None and request.stop_loss is not None:
            bracket = _Leg(take_profit=request.take_profit, stop_loss=request.stop_loss)
        return self._open(
            request.client_order_id,
            request.symbol,
            request.side,
            request.qty,
            request.type,
            limit_price=request.limit_price,
            stop_price=request.stop_price,
            bracket=bracket,
            reserve=reserve,
            order_id=order_id,
            time_in_force=request.time_in_force,
        )

    async def cancel_order(self, order_id: str) -> None:
        resting = self._resting(order_id)
        if not resting.order.status.is_open:
            raise OrderRejected(f"order {order_id} is already {resting.order.status}", status=422)
        self._finish(resting, OrderStatus.CANCELED, TradeEvent.CANCELED)
        sibling = self._orders.get(resting.oco_with or "")
        if sibling is not None and sibling.order.status.is_open:
            self._finish(sibling, OrderStatus.CANCELED, TradeEvent.CANCELED)

    async def replace_order(
        self,
        order_id: str,
        *,
        qty: float | None = None,
        limit_price: float | None = None,
        stop_price: float | None = None,
        client_order_id: str | None = None,
    ) -> Order:
        old = self._resting(order_id)
        if not old.order.status.is_open:
            raise OrderRejected(f"order {order_id} is already {old.order.status}", status=422)
        if qty is not None and qty <= 0:
            raise OrderRejected(f"qty must be > 0, got {qty}", status=422)
        new_client_id = client_order_id or f"{old.order.client_order_id}.r{self._sequence + 1}"
        if new_client_id in self._by_client_id:
            raise DuplicateClientOrderId(new_client_id, status=422)
        self._finish(old, OrderStatus.CANCELED, TradeEvent.REPLACED)
        o = old.order
        new = self._open(
            new_client_id,
            o.symbol,
            o.side,
            qty if qty is not None else o.qty - o.filled_qty,
            o.type,
            limit_price=limit_price if limit_price is not None else o.limit_price,
            stop_price=stop_price if stop_price is not None else o.stop_price,
            bracket=old.bracket,
            oco_with=old.oco_with,
            reserve=old.reserved,
            time_in_force=old.time_in_force,
        )
        self._orders[new.id].session = old.session  # a DAY order's session stays its own
        if old.oco_with is not None:
            self._orders[old.oco_with].oco_with = new.id
        return new

    async def close_position(self, symbol: str, qty: float | None = None) -> Order:
        held = self._ledger.position_qty(symbol)
        if held == 0:
            raise NotFound(f"position does not exist: {symbol}")
        if qty is not None and not 0 < qty <= abs(held):
            raise OrderRejected(f"close qty must be in (0, {abs(held)}], got {qty}", status=422)
        side = Side.SELL if held > 0 else Side.BUY
        client_order_id = f"close-{symbol}-{self._instance_tag}-{self._sequence + 1}"
        return self._open(client_order_id, symbol, side, qty or abs(held), OrderType.MARKET)

    async def close_all_positions(self, cancel_orders: bool = True) -> list[Order]:
        if cancel_orders:
            for resting in [r for book in self._open_by_symbol.values() for r in book.values()]:
                if resting.order.status.is_open:
                    self._finish(resting, OrderStatus.CANCELED, TradeEvent.CANCELED)
        return [await self.close_position(p.symbol) for p in self._ledger.positions()]

    def trade_updates(self) -> AsyncIterator[TradeUpdate]:
        return self._updates.subscribe()

    async def close(self) -> None:
        self._updates.close()

    # ----------------------------------------------------------------- internals
    def _clock(self) -> datetime:
        return self._now or datetime.now(UTC)

    def _buying_power(self, equity: float) -> float:
        """Equity times the multiplier, less open positions and what open orders hold."""
        multiplier = self.config.buying_power_multiplier
        return max(0.0, equity * multiplier - self._ledger.gross_exposure() - self._reserved)

    def _reference_price(self, symbol: str, limit: float | None, stop: float | None) -> float:
        return limit or stop or self._ledger.marks.get(symbol, 0.0)

    def _check_affordable(self, request: OrderRequest) -> float:
        """Refuse what the account cannot carry; returns the buying power the order holds."""
        held = self._ledger.position_qty(request.symbol)
        signed = request.qty if request.side is Side.BUY else -request.qty
        if not self.config.allow_short and held + signed < 0:
            raise OrderRejected(
                f"insufficient qty available for order (requested {request.qty}, "
                f"available {max(held, 0.0)}); short selling is disabled",
                status=403,
            )
        added = max(0.0, abs(held + signed) - abs(held))
        price = self._reference_price(request.symbol, request.limit_price, request.stop_price)
        cost = added * price
        buying_power = self._buying_power(self._ledger.equity())
        if cost > buying_power:
            raise OrderRejected(
                f"insufficient buying power (order needs {cost:.2f}, available {buying_power:.2f})",
                status=403,
            )
        return cost

    def _open(
        self,
        client_order_id: str,
        symbol: str,
        side: Side,
        qty: float,
        order_type: OrderType,
        *,
        limit_price: float | None = None,
        stop_price: float | None = None,
        bracket: _Leg | None = None,
        oco_with: str | None = None,
        reserve: float = 0.0,
        order_id: str | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
    ) -> Order:
        self._sequence += 1
        now = self._clock()
        order = Order(
            id=order_id or str(UUID(int=self._instance << 64 | self._sequence)),
            client_order_id=client_order_id,
            symbol=symbol,
            side=side,
            qty=qty,
            type=order_type,
            status=OrderStatus.NEW,
            limit_price=limit_price,
            stop_price=stop_price,
            submitted_at=now,
            updated_at=now,
        )
        resting = _Resting(
            order,
            bracket,
            oco_with,
            reserved=reserve,
            sequence=self._sequence,
            time_in_force=time_in_force,
        )
        self._orders[order.id] = resting
        self._open_by_symbol.setdefault(symbol, {})[order.id] = resting
        self._reserved += reserve
        self._by_client_id[client_order_id] = order.id
        self._publish(TradeUpdate(TradeEvent.NEW, order, now))
        return order

    def _resting(self, order_id: str) -> _Resting:
        resting = self._orders.get(order_id)
        if resting is None:
            raise NotFound(f"order not found: {order_id}")
        return resting

    def _retire(self, resting: _Resting) -> None:
        """The order is closed: stop matching it and release what it held."""
        self._open_by_symbol[resting.order.symbol].pop(resting.order.id, None)
        self._reserved = max(0.0, self._reserved - resting.reserved)

    def _finish(self, resting: _Resting, status: OrderStatus, event: TradeEvent) -> None:
        resting.order = replace(resting.order, status=status, updated_at=self._clock())
        self._retire(resting)
        self._publish(TradeUpdate(event, resting.order, self._clock()))

    def _begin_or_expire(self, resting: _Resting, now: datetime) -> None:
        """An order meets its first bar (its session begins), or a DAY order outlived its session:
        it expires, and a bracket entry filled in part places its exits for what it bought."""
        if resting.session is None:
            resting.session = now.date()
        elif resting.order.status.is_open and self._fills.expired(
            resting.time_in_force, resting.session, now
        ):
            self._finish(resting, OrderStatus.EXPIRED, TradeEvent.EXPIRED)
            if resting.bracket is not None and resting.order.filled_qty > 0:
                self._open_exits(resting)

    def _match(self, resting: _Resting, bar: Bar) -> None:
        if resting.met == bar.time:
            return  # matched with its other exit already: an order trades once a bar
        resting.met = bar.time
        sibling = self._orders.get(resting.oco_with or "")
        if sibling is not None and sibling.order.status.is_open:
            sibling.met = bar.time
            self._match_oco(resting, sibling, bar)
            return
        price = self._fill_price(resting, bar)
        if price is not None:
            self._fill(resting, price, bar)

    def _match_oco(self, first: _Resting, second: _Resting, bar: Bar) -> None:
        """A bracket's two exits: at most one trades in a bar, the other is canceled."""
        stop, take = (first, second) if first.order.type is OrderType.STOP else (second, first)
        outcome = self._fills.bracket_exit(
            stop.order.side, stop.order.stop_price, take.order.limit_price, bar
        )
        if outcome is None:
            return
        reason, price = outcome
        winner, loser = (stop, take) if reason == "stop_loss" else (take, stop)
        if self._fill(winner, price, bar):  # the first to trade cancels the other
            self._finish(loser, OrderStatus.CANCELED, TradeEvent.CANCELED)

    def _fill_price(self, resting: _Resting, bar: Bar) -> float | None:
        order, fills = resting.order, self._fills
        if order.type is OrderType.MARKET:
            return fills.market(order.side, bar)
        if order.type is OrderType.LIMIT:
            return fills.limit(order.side, order.limit_price or 0.0, bar)
        if order.type is OrderType.STOP:  # once it traded, its rest is a market order
            if resting.triggered:
                return fills.market(order.side, bar)
            return fills.stop(order.side, order.stop_price or 0.0, bar)
        limit = order.limit_price or 0.0
        if resting.triggered:
            return fills.limit(order.side, limit, bar)
        resting.triggered, price = fills.stop_limit(order.side, order.stop_price or 0.0, limit, bar)
        return price

    def _fill(self, resting: _Resting, price: float, bar: Bar) -> bool:
        """Trade what the bar's volume allows of the order's rest; False when that is nothing."""
        order, at = resting.order, bar.time
        remaining = order.qty - order.filled_qty
        qty = self._fills.fill_qty(remaining, bar.volume)
        if qty <= 0:
            return False
        commission = self._fills.commission(qty, price)
        self._ledger.book(order.symbol, order.side, qty, price, commission)
        filled = order.filled_qty + qty
        done = order.qty - filled < QTY_EPSILON
        average = price
        if order.filled_qty > 0:
            average = (order.filled_qty * (order.filled_avg_price or 0.0) + qty * price) / filled
        resting.order = replace(
            order,
            status=OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED,
            filled_qty=order.qty if done else filled,
            filled_avg_price=average,
            updated_at=at,
        )
        resting.triggered = True  # a stop that traded goes on as a market order
        if done:
            self._retire(resting)
        else:  # the part bought is a position now: release the buying power it held
            released = resting.reserved * qty / remaining
            resting.reserved -= released
            self._reserved = max(0.0, self._reserved - released)
        fill = Fill(
            order.id, order.client_order_id, order.symbol, order.side, qty, price, at, commission
        )
        position = self._ledger.position_qty(order.symbol)
        event = TradeEvent.FILL if done else TradeEvent.PARTIAL_FILL
        self._publish(TradeUpdate(event, resting.order, at, fill=fill, position_qty=position))
        if done and resting.bracket is not None:
            self._open_exits(resting)
        return True

    def _open_exits(self, entry: _Resting) -> None:
        """The entry is done: place its take-profit and stop-loss as one-cancels-other, GTC,
        for the quantity it filled."""
        order, bracket = entry.order, entry.bracket
        assert bracket is not None
        exit_side = order.side.opposite
        take = self._open(
            order.client_order_id + _TAKE_PROFIT,
            order.symbol,
            exit_side,
            order.filled_qty,
            OrderType.LIMIT,
            limit_price=bracket.take_profit,
            time_in_force=TimeInForce.GTC,
        )
        stop = self._open(
            order.client_order_id + _STOP_LOSS,
            order.symbol,
            exit_side,
            order.filled_qty,
            OrderType.STOP,
            stop_price=bracket.stop_loss,
            time_in_force=TimeInForce.GTC,
        )
        self._orders[take.id].oco_with = stop.id
        self._orders[stop.id].oco_with = take.id

    def _publish(self, update: TradeUpdate) -> None:
        self._updates.publish(update)


def _validate(request: OrderRequest) -> None:
    """Refuse malformed orders the way Alpaca does, naming the offending field."""
    problems: list[str] = []
    if not request.client_order_id or len(request.client_order_id) > 128:
        problems.append("client_order_id must be 1 to 128 characters")
    if not request.symbol:
        problems.append("symbol is required")
    if request.qty <= 0:
        problems.append(f"qty must be > 0, got {request.qty}")
    needs_limit = request.type in (OrderType.LIMIT, OrderType.STOP_LIMIT)
    needs_stop = request.type in (OrderType.STOP, OrderType.STOP_LIMIT)
    if needs_limit and (request.limit_price is None or request.limit_price <= 0):
        problems.append(f"limit_price is required and > 0 for {request.type} orders")
    if needs_stop and (request.stop_price is None or request.stop_price <= 0):
        problems.append(f"stop_price is required and > 0 for {request.type} orders")
    if (request.take_profit is None) != (request.stop_loss is None):
        problems.append("bracket orders need both take_profit and stop_loss")
    elif request.take_profit is not None and request.stop_loss is not None:
        below, above = (
            (request.stop_loss, request.take_profit)
            if request.side is Side.BUY
            else (request.take_profit, request.stop_loss)
        )
        if not below < above:
            problems.append(
                f"bracket take_profit {request.take_profit} and stop_loss {request.stop_loss} "
                f"are on the wrong sides for a {request.side} entry"
            )
    if problems:
        raise OrderRejected("; ".join(problems), status=422)
