"""SimBroker behaves like a small honest exchange: fills, accounting, brackets, refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.brokers.base import (
    DuplicateClientOrderId,
    NotFound,
    OrderQuery,
    OrderRejected,
    TradeEvent,
)
from app.brokers.sim import SimBroker, SimBrokerConfig
from app.domain import Bar, Order, OrderRequest, OrderStatus, OrderType, Side

T0 = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


def bar(minute: int, o: float, h: float, l: float, c: float, symbol: str = "AAPL") -> Bar:  # noqa: E741
    return Bar(symbol, T0 + timedelta(minutes=minute), o, h, l, c, 1000.0)


def flat(minute: int, price: float, symbol: str = "AAPL") -> Bar:
    return bar(minute, price, price, price, price, symbol)


def market(cid: str, side: Side, qty: float, symbol: str = "AAPL") -> OrderRequest:
    return OrderRequest(client_order_id=cid, symbol=symbol, side=side, qty=qty)


def free_broker(**config: float) -> SimBroker:
    return SimBroker(SimBrokerConfig(slippage_bps=0, **config))


async def test_market_order_fills_at_next_bar_open_with_slippage_and_commission() -> None:
    broker = SimBroker(SimBrokerConfig(slippage_bps=10, commission_per_share=0.01))
    broker.on_bar(flat(0, 100.0))
    order = await broker.submit_order(market("a", Side.BUY, 10))
    assert order.status is OrderStatus.NEW
    broker.on_bar(bar(1, 101.0, 103.0, 99.0, 102.0))
    filled = await broker.get_order_by_client_id("a")
    assert filled is not None and filled.status is OrderStatus.FILLED
    assert filled.filled_avg_price == 101.10  # open 101 worse by 10 bps, rounded to the cent
    account = await broker.get_account()
    assert account.cash == pytest.approx(100_000 - 10 * 101.10 - 0.10)
    assert account.equity == pytest.approx(account.cash + 10 * 102.0)  # marked at the close
    [position] = await broker.get_positions()
    assert (position.qty, position.avg_entry_price, position.market_price) == (10, 101.10, 102.0)


async def test_partial_close_realizes_only_the_closed_part() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 50.0))
    await broker.submit_order(market("open1", Side.BUY, 100))
    broker.on_bar(flat(1, 50.0))
    await broker.submit_order(market("open2", Side.BUY, 100))
    broker.on_bar(flat(2, 60.0))
    [position] = await broker.get_positions()
    assert position.avg_entry_price == pytest.approx(55.0)
    await broker.close_position("AAPL", qty=50)
    broker.on_bar(flat(3, 70.0))
    [position] = await broker.get_positions()
    assert position.qty == 150
    assert position.avg_entry_price == pytest.approx(55.0)  # reducing keeps the basis
    assert broker.realized_pl == pytest.approx(50 * (70 - 55))


async def test_reversing_long_to_short_opens_the_rest_at_the_fill_price() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 10.0))
    await broker.submit_order(market("long", Side.BUY, 30))
    broker.on_bar(flat(1, 10.0))
    await broker.submit_order(market("flip", Side.SELL, 50))
    broker.on_bar(flat(2, 12.0))
    [position] = await broker.get_positions()
    assert position.qty == -20
    assert position.avg_entry_price == 12.0
    assert broker.realized_pl == pytest.approx(30 * 2.0)
    broker.on_bar(flat(3, 11.0))
    account = await broker.get_account()
    assert account.cash == pytest.approx(100_000 - 300 + 600)
    assert account.equity == pytest.approx(100_000 + 60 + 20)  # short gained 1 per share


async def test_equity_always_equals_start_plus_realized_minus_commission_plus_unrealized() -> None:
    broker = SimBroker(
        SimBrokerConfig(slippage_bps=7, commission_per_share=0.005, commission_bps=1)
    )
    prices = [100, 101.3, 99.2, 104.7, 98.1, 97.5, 103.2, 105.0]
    sides = [Side.BUY, Side.BUY, Side.SELL, Side.SELL, Side.SELL, Side.BUY, Side.BUY, Side.SELL]
    qtys = [10, 5, 20, 3, 7, 12, 8, 5]
    for minute, (price, side, qty) in enumerate(zip(prices, sides, qtys, strict=True)):
        broker.on_bar(bar(minute, price, price + 1, price - 1, price + 0.5))
        await broker.submit_order(market(f"o{minute}", side, qty))
    broker.on_bar(flat(len(prices), 101.0))
    account = await broker.get_account()
    unrealized = sum(p.unrealized_pl for p in await broker.get_positions())
    assert broker.commission_paid > 0
    assert account.equity == pytest.approx(
        100_000 + broker.realized_pl - broker.commission_paid + unrealized
    )


async def test_limit_order_waits_for_the_price_and_takes_a_better_open() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 100.0))
    await broker.submit_order(
        OrderRequest("lim", "AAPL", Side.BUY, 5, type=OrderType.LIMIT, limit_price=98.0)
    )
    broker.on_bar(bar(1, 100.0, 101.0, 98.5, 99.0))
    assert (await broker.get_order_by_client_id("lim")).status is OrderStatus.NEW  # type: ignore[union-attr]
    broker.on_bar(bar(2, 97.0, 99.0, 96.0, 98.0))  # gapped below the limit
    order = await broker.get_order_by_client_id("lim")
    assert order is not None and order.filled_avg_price == 97.0


async def test_stop_limit_that_gaps_past_its_limit_rests_as_a_limit() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 100.0))
    request = OrderRequest(
        "sl", "AAPL", Side.BUY, 1, type=OrderType.STOP_LIMIT, stop_price=102.0, limit_price=103.0
    )
    await broker.submit_order(request)
    broker.on_bar(bar(1, 105.0, 106.0, 104.0, 105.0))  # triggered at 105, above the limit
    assert (await broker.get_orders())[0].status is OrderStatus.NEW
    broker.on_bar(bar(2, 104.0, 104.0, 102.5, 103.0))
    order = await broker.get_order_by_client_id("sl")
    assert order is not None and order.filled_avg_price == 103.0


async def bracket_broker() -> SimBroker:
    """Long 10 from 100 with take-profit 110 and stop-loss 95, exits live."""
    broker = free_broker()
    broker.on_bar(flat(0, 100.0))
    await broker.submit_order(
        OrderRequest("b", "AAPL", Side.BUY, 10, take_profit=110.0, stop_loss=95.0)
    )
    broker.on_bar(bar(1, 100.0, 120.0, 80.0, 100.0))  # entry fills; exits not live this bar
    return broker


async def test_bracket_exits_wait_for_the_bar_after_the_entry() -> None:
    broker = await bracket_broker()
    [position] = await broker.get_positions()
    assert position.qty == 10
    open_orders = {o.client_order_id: o for o in await broker.get_orders()}
    assert set(open_orders) == {"b.tp", "b.sl"}
    assert open_orders["b.tp"].side is Side.SELL and open_orders["b.tp"].limit_price == 110.0


async def test_bracket_with_both_exits_in_one_bar_takes_the_stop_loss() -> None:
    broker = await bracket_broker()
    broker.on_bar(bar(2, 100.0, 111.0, 94.0, 100.0))
    stop = await broker.get_order_by_client_id("b.sl")
    take = await broker.get_order_by_client_id("b.tp")
    assert stop is not None and stop.status is OrderStatus.FILLED and stop.filled_avg_price == 95.0
    assert take is not None and take.status is OrderStatus.CANCELED
    assert await broker.get_positions() == []
    assert broker.realized_pl == pytest.approx(-50.0)


async def test_bracket_gap_through_take_profit_fills_it_at_the_open() -> None:
    broker = await bracket_broker()
    broker.on_bar(bar(2, 112.0, 113.0, 94.0, 100.0))
    take = await broker.get_order_by_client_id("b.tp")
    assert take is not None and take.filled_avg_price == 112.0
    assert (await broker.get_order_by_client_id("b.sl")).status is OrderStatus.CANCELED  # type: ignore[union-attr]


async def test_canceling_one_exit_cancels_the_other() -> None:
    broker = await bracket_broker()
    take = await broker.get_order_by_client_id("b.tp")
    assert take is not None
    await broker.cancel_order(take.id)
    assert await broker.get_orders() == []
    with pytest.raises(OrderRejected, match="already canceled"):
        await broker.cancel_order(take.id)


async def test_duplicate_client_order_id_is_refused_even_after_the_order_closed() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 10.0))
    first = await broker.submit_order(market("same", Side.BUY, 1))
    broker.on_bar(flat(1, 10.0))
    with pytest.raises(DuplicateClientOrderId) as refused:
        await broker.submit_order(market("same", Side.BUY, 1))
    assert refused.value.existing is not None and refused.value.existing.id == first.id
    assert len(await broker.get_orders(OrderQuery.ALL)) == 1


async def test_orders_beyond_buying_power_or_malformed_are_rejected_with_the_reason() -> None:
    broker = free_broker(cash=1_000)
    broker.on_bar(flat(0, 100.0))
    with pytest.raises(OrderRejected, match="insufficient buying power"):
        await broker.submit_order(market("big", Side.BUY, 11))
    with pytest.raises(OrderRejected, match="qty must be > 0"):
        await broker.submit_order(market("zero", Side.BUY, 0))
    with pytest.raises(OrderRejected, match="limit_price is required"):
        await broker.submit_order(
            OrderRequest("nolimit", "AAPL", Side.BUY, 1, type=OrderType.LIMIT)
        )
    with pytest.raises(OrderRejected, match="wrong sides"):
        await broker.submit_order(
            OrderRequest("br", "AAPL", Side.BUY, 1, take_profit=90.0, stop_loss=95.0)
        )
    await broker.submit_order(market("fits", Side.BUY, 9))
    with pytest.raises(OrderRejected, match="insufficient buying power"):
        await broker.submit_order(market("second", Side.BUY, 2))  # the first one holds 900


async def test_short_selling_can_be_disabled() -> None:
    broker = SimBroker(SimBrokerConfig(allow_short=False))
    broker.on_bar(flat(0, 10.0))
    with pytest.raises(OrderRejected, match="short selling is disabled"):
        await broker.submit_order(market("short", Side.SELL, 1))


async def test_trade_updates_stream_new_then_fill() -> None:
    broker = SimBroker(SimBrokerConfig(commission_per_share=0.01))
    broker.on_bar(flat(0, 20.0))
    updates = broker.trade_updates()
    await broker.submit_order(market("u", Side.SELL, 4))
    broker.on_bar(flat(1, 21.0))
    await broker.close()
    new, fill = [update async for update in updates]
    assert new.event is TradeEvent.NEW and new.order.client_order_id == "u"
    assert fill.event is TradeEvent.FILL and fill.fill is not None
    assert (fill.fill.qty, fill.fill.commission, fill.position_qty) == (4, 0.04, -4)
    assert fill.time == T0 + timedelta(minutes=1)


async def test_replace_changes_the_limit_and_closes_the_old_order() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 100.0))
    old = await broker.submit_order(
        OrderRequest("r", "AAPL", Side.BUY, 2, type=OrderType.LIMIT, limit_price=90.0)
    )
    new = await broker.replace_order(old.id, limit_price=99.0, client_order_id="r2")
    broker.on_bar(bar(1, 100.0, 100.0, 98.0, 99.0))
    assert (await broker.get_order_by_client_id("r")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    filled = await broker.get_order_by_client_id("r2")
    assert filled is not None and filled.id == new.id and filled.filled_avg_price == 99.0


async def test_close_all_cancels_orders_and_flattens() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 10.0))
    broker.on_bar(flat(0, 20.0, "MSFT"))
    await broker.submit_order(market("a", Side.BUY, 3))
    await broker.submit_order(market("m", Side.SELL, 2, "MSFT"))
    broker.on_bar(flat(1, 10.0))
    broker.on_bar(flat(1, 20.0, "MSFT"))
    await broker.submit_order(
        OrderRequest("rest", "AAPL", Side.BUY, 1, type=OrderType.LIMIT, limit_price=5.0)
    )
    closing = await broker.close_all_positions()
    assert sorted((o.symbol, o.side) for o in closing) == [("AAPL", Side.SELL), ("MSFT", Side.BUY)]
    broker.on_bar(flat(2, 11.0))
    broker.on_bar(flat(2, 19.0, "MSFT"))
    assert await broker.get_positions() == []
    assert (await broker.get_order_by_client_id("rest")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert broker.realized_pl == pytest.approx(3 * 1 + 2 * 1)
    with pytest.raises(NotFound):
        await broker.close_position("AAPL")


async def test_same_inputs_give_identical_results() -> None:
    async def run() -> list[object]:
        broker = SimBroker()
        for minute in range(5):
            broker.on_bar(bar(minute, 100 + minute, 102 + minute, 99 + minute, 101 + minute))
            await broker.submit_order(
                market(f"d{minute}", Side.BUY if minute % 2 else Side.SELL, 3)
            )
        orders = await broker.get_orders(OrderQuery.ALL)
        return [[replace(order, id="") for order in orders], await broker.get_account()]

    assert await run() == await run()  # all but the broker ids, unique to each broker


async def test_last_equity_is_the_equity_at_the_previous_day_end() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 10.0))
    await broker.submit_order(market("d", Side.BUY, 100))
    broker.on_bar(bar(1, 12.0, 13.0, 12.0, 13.0))  # bought at 12, closed the day at 13
    broker.on_bar(flat(24 * 60, 15.0))
    account = await broker.get_account()
    assert account.last_equity == pytest.approx(100_000 + 100)
    assert account.equity == pytest.approx(100_000 + 300)


async def test_short_bracket_with_a_limit_entry_mirrors_the_long_rules() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 100.0))
    await broker.submit_order(
        OrderRequest(
            "s",
            "AAPL",
            Side.SELL,
            4,
            type=OrderType.LIMIT,
            limit_price=102.0,
            take_profit=90.0,
            stop_loss=105.0,
        )
    )
    broker.on_bar(bar(1, 100.0, 101.0, 99.0, 100.0))  # limit not reached: no exits yet
    assert [o.client_order_id for o in await broker.get_orders()] == ["s"]
    broker.on_bar(bar(2, 101.0, 103.0, 100.0, 102.5))  # short 4 at 102
    broker.on_bar(bar(3, 102.0, 106.0, 89.0, 100.0))  # both exits reached: the stop wins
    stop = await broker.get_order_by_client_id("s.sl")
    assert stop is not None and (stop.side, stop.filled_avg_price) == (Side.BUY, 105.0)
    assert broker.realized_pl == pytest.approx(-4 * 3.0)
    assert await broker.get_positions() == []


async def test_replacing_a_bracket_exit_keeps_it_one_cancels_other() -> None:
    broker = await bracket_broker()
    stop = await broker.get_order_by_client_id("b.sl")
    assert stop is not None
    await broker.replace_order(stop.id, stop_price=99.0, client_order_id="b.sl2")
    broker.on_bar(bar(2, 100.0, 100.5, 98.0, 99.0))
    moved = await broker.get_order_by_client_id("b.sl2")
    assert moved is not None and moved.filled_avg_price == 99.0
    assert (await broker.get_order_by_client_id("b.tp")).status is OrderStatus.CANCELED  # type: ignore[union-attr]
    assert (await broker.get_order_by_client_id("b.sl")).status is OrderStatus.CANCELED  # type: ignore[union-attr]


async def test_order_queries_filter_by_status_and_symbol_newest_first() -> None:
    broker = free_broker()
    broker.on_bar(flat(0, 10.0))
    broker.on_bar(flat(0, 20.0, "MSFT"))
    for cid, symbol in (("a1", "AAPL"), ("m1", "MSFT"), ("a2", "AAPL"), ("m2", "MSFT")):
        limit = 1.0 if cid.endswith("1") else None  # the *1 orders rest, the *2 orders fill
        kind = OrderType.LIMIT if limit else OrderType.MARKET
        await broker.submit_order(
            OrderRequest(cid, symbol, Side.BUY, 1, type=kind, limit_price=limit)
        )
    broker.on_bar(flat(1, 10.0))
    broker.on_bar(flat(1, 20.0, "MSFT"))

    def ids(orders: list[Order]) -> list[str]:
        return [o.client_order_id for o in orders]

    assert ids(await broker.get_orders()) == ["m1", "a1"]
    assert ids(await broker.get_orders(symbols=["AAPL"])) == ["a1"]
    assert ids(await broker.get_orders(OrderQuery.CLOSED)) == ["m2", "a2"]
    assert ids(await broker.get_orders(OrderQuery.ALL, limit=3)) == ["m2", "a2", "m1"]


async def test_a_new_broker_never_repeats_the_ids_of_a_previous_one() -> None:
    """A restarted or newly leading process gets a new SimBroker; the database holds every id."""
    ids: set[str] = set()
    closing: set[str] = set()
    for _ in range(2):
        broker = free_broker()
        broker.on_bar(flat(0, 100.0))
        first = await broker.submit_order(market("a", Side.BUY, 1))
        broker.on_bar(flat(1, 100.0))
        close = await broker.close_position("AAPL")
        ids |= {first.id, close.id}
        closing.add(close.client_order_id)
    assert len(ids) == 4
    assert len(closing) == 2


async def test_a_new_exchange_carries_on_the_account_and_orders_of_the_one_before() -> None:
    """A restarted backend process rebuilds its exchange from the fills and working orders the
    database kept: same cash and positions, the bracket exits still one-cancels-other."""
    before = free_broker(commission_per_share=0.01)
    fills = []
    updates = before.trade_updates()
    before.on_bar(flat(0, 100.0))
    await before.submit_order(
        OrderRequest("b", "AAPL", Side.BUY, 10, take_profit=110.0, stop_loss=95.0)
    )
    await before.submit_order(market("m", Side.BUY, 5, symbol="MSFT"))
    before.on_bar(flat(0, 50.0, symbol="MSFT"))
    before.on_bar(bar(1, 100.0, 101.0, 99.0, 100.0))
    before.on_bar(bar(1, 50.0, 50.0, 50.0, 50.0, symbol="MSFT"))
    await before.submit_order(market("m2", Side.SELL, 2, symbol="MSFT"))
    before.on_bar(flat(2, 52.0, symbol="MSFT"))
    await before.submit_order(
        OrderRequest("lim", "MSFT", Side.BUY, 4, OrderType.LIMIT, limit_price=40.0)
    )
    async for update in updates:
        if update.fill is not None:
            fills.append(update.fill)
        if len(fills) == 3:
            break
    working = [
        (
            o.id,
            OrderRequest(
                o.client_order_id,
                o.symbol,
                o.side,
                o.qty,
                o.type,
                limit_price=o.limit_price,
                stop_price=o.stop_price,
            ),
        )
        for o in reversed(await before.get_orders())
    ]
    assert {r.client_order_id for _, r in working} == {"b.tp", "b.sl", "lim"}

    after = free_broker(commission_per_share=0.01)
    assert after.restore(fills, working) == {}
    for broker in (before, after):
        broker.on_bar(flat(3, 52.0, symbol="MSFT"))
        broker.on_bar(flat(3, 100.0))
    accounts = [await broker.get_account() for broker in (before, after)]
    assert len({(a.cash, a.equity, a.buying_power) for a in accounts}) == 1
    assert await after.get_positions() == await before.get_positions()
    assert after.commission_paid == pytest.approx(0.17)
    assert {o.id for o in await after.get_orders()} == {o.id for o in await before.get_orders()}

    after.on_bar(bar(4, 100.0, 111.0, 100.0, 105.0))  # the take-profit fills, the stop goes
    take = await after.get_order_by_client_id("b.tp")
    stop = await after.get_order_by_client_id("b.sl")
    assert take is not None and take.status is OrderStatus.FILLED
    assert stop is not None and stop.status is OrderStatus.CANCELED
    with pytest.raises(RuntimeError, match="has traded"):
        after.restore(fills, [])


async def test_a_working_order_the_new_exchange_cannot_carry_is_refused_with_the_reason() -> None:
    broker = free_broker(cash=1_000.0)
    broker.on_bar(flat(0, 100.0))
    too_big = OrderRequest("big", "AAPL", Side.BUY, 50, OrderType.LIMIT, limit_price=99.0)
    refused = broker.restore([], [("id-1", too_big), ("id-2", market("ok", Side.BUY, 1))])
    assert list(refused) == ["big"] and "insufficient buying power" in refused["big"]
    assert [o.id for o in await broker.get_orders()] == ["id-2"]
    assert not broker.traded


# -- volume cap: partial fills ---------------------------------------------------------------


def traded(minute: int, o: float, h: float, l: float, c: float, volume: float) -> Bar:  # noqa: E741
    return Bar("AAPL", T0 + timedelta(minutes=minute), o, h, l, c, volume)


async def test_an_order_above_the_volume_cap_fills_in_parts_over_the_next_bars() -> None:
    broker = free_broker(max_volume_share=0.1, commission_per_share=0.01)
    updates = broker.trade_updates()
    broker.on_bar(flat(0, 100.0))
    await broker.submit_order(market("big", Side.BUY, 250))
    broker.on_bar(traded(1, 100.0, 100.0, 100.0, 100.0, 1000))  # 100 shares at 100
    part = await broker.get_order_by_client_id("big")
    assert part is not None and part.status is OrderStatus.PARTIALLY_FILLED
    assert (part.filled_qty, part.filled_avg_price) == (100, 100.0)
    assert [o.client_order_id for o in await broker.get_orders(OrderQuery.OPEN)] == ["big"]
    broker.on_bar(traded(2, 102.0, 102.0, 102.0, 102.0, 1000))  # 100 more at 102
    broker.on_bar(traded(3, 104.0, 104.0, 104.0, 104.0, 5000))  # the last 50 at 104
    done = await broker.get_order_by_client_id("big")
    assert done is not None and done.status is OrderStatus.FILLED and done.filled_qty == 250
    assert done.filled_avg_price == pytest.approx((100 * 100 + 100 * 102 + 50 * 104) / 250)
    events = []
    while len(events) < 4:
        events.append(await anext(updates))
    assert [u.event for u in events] == [
        TradeEvent.NEW,
        TradeEvent.PARTIAL_FILL,
        TradeEvent.PARTIAL_FILL,
        TradeEvent.FILL,
    ]
    assert [(u.fill.qty, u.fill.price, u.fill.commission) for u in events[1:] if u.fill] == [
        (100, 100.0, 1.0),
        (100, 102.0, 1.0),
        (50, 104.0, 0.5),
    ]
    assert [u.position_qty for u in events[1:]] == [100, 200, 250]
    account = await broker.get_account()
    assert account.cash == pytest.approx(100_000 - (100 * 100 + 100 * 102 + 50 * 104) - 2.5)


async def test_the_rest_of_a_day_order_expires_when_the_next_day_begins() -> None:
    broker = free_broker(max_volume_share=0.1)
    broker.on_bar(flat(0, 100.0))
    await broker.submit_order(market("day", Side.BUY, 250))
    broker.on_bar(traded(1, 100.0, 100.0, 100.0, 100.0, 1000))
    broker.on_bar(replace(traded(2, 101.0, 101.0, 101.0, 101.0, 1000), time=T0 + timedelta(days=1)))
    order = await broker.get_order_by_client_id("day")
    assert order is not None and order.status is OrderStatus.EXPIRED
    assert (order.filled_qty, order.filled_avg_price) == (100, 100.0)
    [position] = await broker.get_positions()
    assert position.qty == 100


async def test_a_partially_filled_order_can_be_canceled_and_keeps_what_it_filled() -> None:
    broker = free_broker(max_volume_share=0.1)
    broker.on_bar(flat(0, 100.0))
    order = await broker.submit_order(market("c", Side.BUY, 250))
    broker.on_bar(traded(1, 100.0, 100.0, 100.0, 100.0, 1000))
    await broker.cancel_order(order.id)
    broker.on_bar(traded(2, 100.0, 100.0, 100.0, 100.0, 1000))
    canceled = await broker.get_order_by_client_id("c")
    assert canceled is not None and canceled.status is OrderStatus.CANCELED
    assert canceled.filled_qty == 100
    assert (await broker.get_positions())[0].qty == 100


async def test_a_bracket_filled_in_part_protects_only_what_it_bought() -> None:
    broker = free_broker(max_volume_share=0.1)
    broker.on_bar(flat(0, 100.0))
    request = replace(market("br", Side.BUY, 250), take_profit=110.0, stop_loss=95.0)
    await broker.submit_order(request)
    broker.on_bar(traded(1, 100.0, 100.0, 100.0, 100.0, 1000))  # 100 bought
    assert await broker.get_order_by_client_id("br.sl") is None  # exits wait for the entry
    next_day = T0 + timedelta(days=1)
    # the entry expires at the next day's first bar; its exits go live for 100 shares at once,
    # and this bar's low reaches the stop: 50 of the 100 sell at 95 (10% of 500)
    broker.on_bar(Bar("AAPL", next_day, 97.0, 97.0, 94.0, 96.0, 500))
    stop = await broker.get_order_by_client_id("br.sl")
    take = await broker.get_order_by_client_id("br.tp")
    assert stop is not None and take is not None
    assert (stop.qty, take.qty) == (100, 100)
    assert stop.status is OrderStatus.PARTIALLY_FILLED and stop.filled_qty == 50
    assert stop.filled_avg_price == 95.0
    assert take.status is OrderStatus.CANCELED  # the first exit to trade cancels the other
    # the stop traded: its rest is a market order, filled at the next open though above the stop
    broker.on_bar(Bar("AAPL", next_day + timedelta(minutes=1), 98.0, 99.0, 97.0, 98.0, 1000))
    stop = await broker.get_order_by_client_id("br.sl")
    assert stop is not None and stop.status is OrderStatus.FILLED
    assert stop.filled_avg_price == pytest.approx((50 * 95 + 50 * 98) / 100)
    assert await broker.get_positions() == []
