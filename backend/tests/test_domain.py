"""Order prices on the broker's grid, and the one list of order states."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alpaca.trading.enums import OrderStatus as SdkStatus

from app.domain import OrderRequest, OrderStatus, OrderType, Side, valid_price


@pytest.mark.parametrize(
    ("price", "side", "expected"),
    [
        (192.3682712, Side.SELL, 192.37),  # a long's take-profit: never a worse price
        (192.3682712, Side.BUY, 192.36),  # a buy limit never pays more than computed
        (184.96086440000002, Side.SELL, 184.97),  # a long's stop: triggers no later
        (184.96086440000002, Side.BUY, 184.96),  # a short's stop: triggers no later
        (184.96000000000001, Side.SELL, 184.96),  # float noise is not a digit to round up
        (0.123456, Side.SELL, 0.1235),  # under $1: four decimals
        (0.123456, Side.BUY, 0.1234),
        (1.0, Side.BUY, 1.0),
    ],
)
def test_prices_round_to_the_grid_against_the_side_that_sends_them(
    price: float, side: Side, expected: float
) -> None:
    assert valid_price(price, side) == expected


def test_an_asset_increment_overrides_the_penny_rule() -> None:
    assert valid_price(10.07, Side.BUY, Decimal("0.05")) == 10.05


def test_an_order_rounds_its_own_prices_by_its_side_and_its_legs_by_theirs() -> None:
    entry = OrderRequest(
        "c1", "AAPL", Side.BUY, 10, take_profit=192.3682712, stop_loss=184.96086440000002
    ).on_price_grid()
    assert (entry.take_profit, entry.stop_loss) == (192.37, 184.97)
    short = OrderRequest(
        "c2", "AAPL", Side.SELL, 10, OrderType.LIMIT, limit_price=50.005, stop_loss=55.555
    ).on_price_grid()
    assert (short.limit_price, short.stop_loss) == (50.01, 55.55)


def test_every_alpaca_status_maps_to_exactly_one_of_ours() -> None:
    ours = {status.value for status in OrderStatus} - {"pending"}
    assert {status.value for status in SdkStatus} == ours
    closed = {s for s in OrderStatus if not s.is_open}
    assert {s.value for s in closed} == {"filled", "canceled", "expired", "replaced", "rejected"}
    assert all(s.rank > o.rank for s in closed for o in OrderStatus if o.is_open)
    assert OrderStatus.HELD.rank < OrderStatus.NEW.rank < OrderStatus.PARTIALLY_FILLED.rank
