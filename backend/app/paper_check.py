"""The first thing to run with new Alpaca keys: one tiny order on the paper account, end to end.

`python -m app.cli paper-check` checks the keys and the account, places one order far from the
market in a liquid symbol (a bracket while the market is open, a plain limit otherwise, so it
cannot fill), watches its events on the trade stream, finds it (and its legs), cancels it and
sees the cancel confirmed. One PASS/FAIL line per step. It refuses a live endpoint outright.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.brokers.alpaca import AlpacaBroker
from app.brokers.alpaca_http import is_live_url
from app.brokers.base import BrokerError, OrderQuery, TradeUpdate
from app.domain import OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.marketdata.alpaca import AlpacaMarketData

logger = logging.getLogger(__name__)

FAR_BELOW = 0.5  # the entry's limit as a share of the last close: it will not fill
EVENT_WAIT = 30.0  # seconds to wait for each stream event


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    passed: bool
    detail: str

    def line(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


class LiveEndpointRefused(ValueError):
    """The check places orders: it never runs against real money."""


def refuse_live(base_url: str | None, live_flag: bool) -> None:
    if is_live_url(base_url) or live_flag:
        raise LiveEndpointRefused(
            f"paper-check refuses a live endpoint ({base_url}, live flag {live_flag}): "
            "use your paper keys and https://paper-api.alpaca.markets"
        )


class PaperCheck:
    """Runs the steps in order; a failed step ends the check (later steps need it)."""

    def __init__(
        self,
        broker: AlpacaBroker,
        data: AlpacaMarketData,
        symbol: str = "SPY",
        report: Callable[[str], None] = print,
        event_wait: float = EVENT_WAIT,
    ) -> None:
        self._broker, self._data, self._symbol = broker, data, symbol
        self._report, self._wait = report, event_wait
        self.steps: list[Step] = []

    def _record(self, name: str, passed: bool, detail: str) -> bool:
        step = Step(name, passed, detail)
        self.steps.append(step)
        self._report(step.line())
        return passed

    async def run(self) -> bool:
        updates = self._broker.trade_updates()
        try:
            return await self._steps(updates)
        except BrokerError as exc:
            return self._record("alpaca", False, f"{type(exc).__name__}: {exc}")
        finally:
            with contextlib.suppress(Exception):
                await updates.aclose()  # type: ignore[attr-defined]

    async def _steps(self, updates: AsyncIterator[TradeUpdate]) -> bool:
        ready = await self._broker.stream_ready(self._wait)
        if not self._record("trade stream", ready, "listening" if ready else "not connected"):
            return False
        account = await self._broker.get_account()
        if not self._record(
            "account",
            not account.trading_blocked,
            f"cash {account.cash:,.2f}, buying power {account.buying_power:,.2f}"
            + (" (trading blocked)" if account.trading_blocked else ""),
        ):
            return False
        asset = await self._broker.get_asset(self._symbol)
        if not self._record("asset", bool(asset and asset.tradable), f"{self._symbol} tradable"):
            return False
        clock = await self._broker.get_clock()
        self._record("clock", True, "market open" if clock.is_open else "market closed")
        now = datetime.now(UTC)
        bars = await self._data.history(self._symbol, "1Day", now - timedelta(days=10), now)
        if not self._record("market data", bool(bars), f"{len(bars)} daily bars"):
            return False
        request = self._order(bars[-1].close, bracket=clock.is_open)
        order = await self._broker.submit_order(request)
        self._record("submit", True, f"{_describe(request)} -> {order.status.value}")
        seen = await self._event(updates, order.id, lambda s: s is not OrderStatus.PENDING)
        if not self._record("stream", seen is not None, f"event {seen or 'none'}"):
            return False
        found = await self._broker.get_order_by_client_id(request.client_order_id)
        legs = [
            o
            for o in await self._broker.get_orders(OrderQuery.OPEN, symbols=[self._symbol])
            if o.side is Side.SELL and o.client_order_id != request.client_order_id
        ]
        wanted_legs = 2 if request.take_profit is not None else 0
        if not self._record(
            "find",
            found is not None and found.id == order.id and len(legs) >= wanted_legs,
            f"by client id, with {len(legs)} legs",
        ):
            return False
        await self._broker.cancel_order(order.id)
        closed = await self._event(updates, order.id, lambda s: not s.is_open)
        if closed is None:  # the stream may have missed it: ask
            final = await self._broker.get_order_by_client_id(request.client_order_id)
            closed = final.status.value if final and not final.status.is_open else None
        return self._record("cancel", closed == "canceled", f"confirmed {closed or 'not'}")

    def _order(self, last: float, *, bracket: bool) -> OrderRequest:
        limit = last * FAR_BELOW
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        return OrderRequest(
            client_order_id=f"paper-check-{stamp}",
            symbol=self._symbol,
            side=Side.BUY,
            qty=1,
            type=OrderType.LIMIT,
            time_in_force=TimeInForce.DAY,
            limit_price=limit,
            take_profit=limit * 1.2 if bracket else None,
            stop_loss=limit * 0.9 if bracket else None,
        ).on_price_grid()

    async def _event(
        self,
        updates: AsyncIterator[TradeUpdate],
        order_id: str,
        wanted: Callable[[OrderStatus], bool],
    ) -> str | None:
        """The status of the first event for `order_id` that `wanted` accepts, or None."""
        try:
            async with asyncio.timeout(self._wait):
                async for update in updates:
                    if update.order.id == order_id and wanted(update.order.status):
                        return update.order.status.value
        except TimeoutError:
            return None
        return None


def _describe(request: OrderRequest) -> str:
    legs = (
        f" with take-profit {request.take_profit} and stop-loss {request.stop_loss}"
        if request.take_profit is not None
        else ""
    )
    return f"buy 1 {request.symbol} limit {request.limit_price}{legs}"
