"""AlpacaBroker through the real alpaca-py TradingClient and TradingStream, against the fake."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import date

import pytest

from app.brokers.alpaca import AlpacaBroker, AlpacaConfig, resolve_trading_url
from app.brokers.base import (
    AuthenticationFailed,
    BrokerUnavailable,
    DuplicateClientOrderId,
    NotFound,
    OrderQuery,
    OrderRejected,
    TradeEvent,
    TradeUpdate,
)
from app.domain import OrderRequest, OrderStatus, OrderType, Side

from .clients import FAST_RETRY
from .server import KEY_ID, FakeAlpaca


def buy(cid: str, qty: float = 10, symbol: str = "AAPL", **extra: object) -> OrderRequest:
    return OrderRequest(client_order_id=cid, symbol=symbol, side=Side.BUY, qty=qty, **extra)  # type: ignore[arg-type]


async def next_update(updates: AsyncIterator[TradeUpdate]) -> TradeUpdate:
    return await asyncio.wait_for(anext(updates), 10)


async def test_account_clock_calendar_and_positions_are_mapped(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.cash = 50_000.0
    fake.positions["MSFT"] = {"symbol": "MSFT", "qty": -3.0, "avg_entry_price": 410.0}
    account = await broker.get_account()
    assert (account.cash, account.equity, account.buying_power) == (50_000, 50_000 - 1200, 50_000)
    assert account.last_equity == 100_000 and not account.trading_blocked
    clock = await broker.get_clock()
    assert clock.is_open and clock.next_close < clock.next_open
    days = await broker.get_calendar(date(2026, 12, 21), date(2026, 12, 27))
    assert [d.date.day for d in days] == [21, 22, 23, 24, 25]
    assert days[3].close.hour == 13  # the early close survives the mapping
    [short] = await broker.get_positions()
    assert (short.symbol, short.qty, short.avg_entry_price, short.market_price) == (
        "MSFT",
        -3,
        410,
        400,
    )


async def test_submit_find_and_list_orders(fake: FakeAlpaca, broker: AlpacaBroker) -> None:
    order = await broker.submit_order(buy("engine-1", type=OrderType.LIMIT, limit_price=99.5))
    assert order.client_order_id == "engine-1" and order.status is OrderStatus.ACCEPTED
    assert (order.type, order.limit_price, order.qty, order.side) == (
        OrderType.LIMIT,
        99.5,
        10,
        Side.BUY,
    )
    found = await broker.get_order_by_client_id("engine-1")
    assert found is not None and found.id == order.id
    assert await broker.get_order_by_client_id("never-sent") is None
    assert [o.id for o in await broker.get_orders()] == [order.id]
    await fake.fill(order.id, 99.5)
    assert await broker.get_orders() == []
    [closed] = await broker.get_orders(OrderQuery.CLOSED)
    assert closed.status is OrderStatus.FILLED and closed.filled_avg_price == 99.5


async def test_bracket_order_and_its_legs(fake: FakeAlpaca, broker: AlpacaBroker) -> None:
    await broker.submit_order(buy("bracket-1", take_profit=110.0, stop_loss=95.0))
    [sent] = fake.entries()
    assert sent["order_class"] == "bracket"
    listed = await broker.get_orders()
    assert [(o.type, o.side, o.limit_price, o.stop_price) for o in listed] == [
        (OrderType.MARKET, Side.BUY, None, None),
        (OrderType.LIMIT, Side.SELL, 110.0, None),
        (OrderType.STOP, Side.SELL, None, 95.0),
    ]


async def test_a_429_storm_is_retried_until_it_passes(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.fail_next(4, 429, method="POST", path="/v2/orders", message="too many requests")
    order = await broker.submit_order(buy("storm-1"))
    assert fake.count("POST", "/v2/orders") == 5
    assert [o["id"] for o in fake.orders.values()] == [order.id]


async def test_a_429_storm_longer_than_the_patience_surfaces_as_unavailable(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.fail_next(100, 429, method="GET", path="/v2/account")
    with pytest.raises(BrokerUnavailable) as failure:
        await broker.get_account()
    assert failure.value.status == 429
    assert fake.count("GET", "/v2/account") == FAST_RETRY.attempts


async def test_5xx_reads_are_retried(fake: FakeAlpaca, broker: AlpacaBroker) -> None:
    fake.fail_next(2, 503, path="/v2/positions")
    fake.fail_next(1, 500, path="/v2/clock")
    assert await broker.get_positions() == []
    assert (await broker.get_clock()).is_open
    assert fake.count("GET", "/v2/positions") == 3


async def test_a_replace_that_may_have_happened_is_not_retried_blindly(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    order = await broker.submit_order(buy("rep-1", type=OrderType.LIMIT, limit_price=90.0))
    fake.fail_next(1, 500, method="PATCH")
    with pytest.raises(BrokerUnavailable):
        await broker.replace_order(order.id, limit_price=91.0)
    assert fake.count("PATCH", f"/v2/orders/{order.id}") == 1
    fake.fail_next(2, 429, method="PATCH")  # a 429 was never processed: safe to retry
    new = await broker.replace_order(order.id, limit_price=92.0, client_order_id="rep-2")
    assert (new.client_order_id, new.limit_price) == ("rep-2", 92.0)
    assert fake.orders[order.id]["status"] == "replaced"


async def test_insufficient_buying_power_is_rejected_with_alpacas_reason(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    with pytest.raises(OrderRejected) as rejected:
        await broker.submit_order(buy("too-big", qty=5_000))
    assert rejected.value.reason == "insufficient buying power"
    assert (rejected.value.status, rejected.value.code) == (403, 40310000)
    assert fake.count("POST", "/v2/orders") == 1  # a refusal is final: no retry
    fake.fail_next(1, 422, method="POST", message="insufficient buying power for shorting")
    with pytest.raises(OrderRejected, match="insufficient buying power for shorting") as short:
        await broker.submit_order(buy("short-1"))
    assert short.value.status == 422
    assert fake.orders == {}


async def test_duplicate_client_order_id_is_refused_and_names_the_existing_order(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    first = await broker.submit_order(buy("dup-1"))
    with pytest.raises(DuplicateClientOrderId) as refused:
        await broker.submit_order(buy("dup-1"))
    assert refused.value.existing is not None and refused.value.existing.id == first.id
    assert refused.value.status == 422
    assert len(fake.orders) == 1


async def test_a_submit_that_timed_out_after_landing_is_not_placed_twice(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.stall_next(1, 1.5, method="POST", path="/v2/orders")  # processed, answered too late
    order = await broker.submit_order(buy("ambiguous-1"))
    assert fake.count("POST", "/v2/orders") == 2
    assert [o["id"] for o in fake.orders.values()] == [order.id]


async def test_cancel_and_close_positions(fake: FakeAlpaca, broker: AlpacaBroker) -> None:
    order = await broker.submit_order(buy("c-1", type=OrderType.LIMIT, limit_price=50.0))
    await broker.cancel_order(order.id)
    await fake.wait_until(lambda: fake.orders[order.id]["status"] == "canceled")
    with pytest.raises(OrderRejected, match="already"):
        await broker.cancel_order(order.id)
    with pytest.raises(NotFound):
        await broker.cancel_order("5f0c3e4a-0000-4000-8000-00000000dead")
    fake.positions["AAPL"] = {"symbol": "AAPL", "qty": 7.0, "avg_entry_price": 90.0}
    fake.positions["MSFT"] = {"symbol": "MSFT", "qty": -2.0, "avg_entry_price": 420.0}
    part = await broker.close_position("AAPL", qty=3)
    assert (part.side, part.qty, part.type) == (Side.SELL, 3, OrderType.MARKET)
    with pytest.raises(NotFound, match="position not found"):
        await broker.close_position("TSLA")
    closing = await broker.close_all_positions()
    assert sorted((o.symbol, o.side, o.qty) for o in closing) == [
        ("AAPL", Side.SELL, 7),
        ("MSFT", Side.BUY, 2),
    ]


async def test_trade_updates_survive_a_dropped_stream(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    updates = broker.trade_updates()
    first = asyncio.ensure_future(next_update(updates))
    await fake.wait_until(lambda: fake.trade_listeners == 1)
    order = await broker.submit_order(buy("tu-1"))
    new = await first
    assert (new.event, new.order.id, new.fill) == (TradeEvent.NEW, order.id, None)
    await fake.fill(order.id, 100.25, qty=4)
    partial = await next_update(updates)
    assert (
        partial.event is TradeEvent.PARTIAL_FILL
        and partial.order.status is OrderStatus.PARTIALLY_FILLED
    )
    assert partial.fill is not None and (partial.fill.qty, partial.fill.price) == (4, 100.25)
    assert partial.position_qty == 4

    await fake.drop_streams()
    await fake.wait_until(lambda: fake.trade_logins == 2 and fake.trade_listeners == 1)
    await fake.fill(order.id, 100.5)
    fill = await next_update(updates)
    assert fill.event is TradeEvent.FILL and fill.order.filled_qty == 10
    assert fill.fill is not None and (fill.fill.qty, fill.fill.price, fill.position_qty) == (
        6,
        100.5,
        10,
    )
    await broker.close()
    assert [u async for u in updates] == []  # closing the broker ends the subscription


async def test_wrong_keys_fail_as_authentication(fake: FakeAlpaca) -> None:
    broker = AlpacaBroker(
        AlpacaConfig(api_key=KEY_ID, secret_key="wrong", base_url=fake.base_url, retry=FAST_RETRY)
    )
    with pytest.raises(AuthenticationFailed, match="401"):
        await broker.get_account()
    assert fake.count("GET", "/v2/account") == 1


def test_live_trading_needs_the_live_url_and_the_flag(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with pytest.raises(ValueError, match="live flag is off"):
        resolve_trading_url("https://api.alpaca.markets", live=False)
    assert resolve_trading_url(None, live=False) == "https://paper-api.alpaca.markets"
    assert resolve_trading_url(None, live=True) == "https://paper-api.alpaca.markets"
    assert "trading on PAPER" in caplog.text
    assert (
        resolve_trading_url("https://api.alpaca.markets", live=True) == "https://api.alpaca.markets"
    )
    assert "REAL MONEY" in caplog.text
    assert resolve_trading_url("https://paper-api.alpaca.markets/v2/", live=False) == (
        "https://paper-api.alpaca.markets"
    )
