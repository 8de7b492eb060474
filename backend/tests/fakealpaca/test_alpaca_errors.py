"""Alpaca's refusals, classified by code and message (a 403 is not always the keys), and its
rate limit obeyed: a 429 waits as long as Alpaca says, in the one retry layer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.brokers.alpaca import AlpacaBroker
from app.brokers.base import AuthenticationFailed, OrderRejected, Refusal
from app.domain import OrderRequest, Side

from .clients import FAST_RETRY, sdk_broker, sdk_market_data
from .server import FakeAlpaca

HELD = Refusal.INSUFFICIENT_QTY
SIP = "subscription does not permit querying recent SIP data"


def buy(cid: str) -> OrderRequest:
    return OrderRequest(cid, "AAPL", Side.BUY, 1)


@pytest.mark.parametrize(
    ("message", "refusal"),
    [
        ("insufficient buying power", Refusal.BUYING_POWER),
        ("potential wash trade detected. use complex orders", Refusal.WASH_TRADE),
        ("insufficient qty available for order (requested: 1, available: 0)", HELD),
        ('asset "XYZ" is not tradable', Refusal.ASSET),
    ],
)
async def test_a_403_on_an_order_says_what_it_refused(
    fake: FakeAlpaca, broker: AlpacaBroker, message: str, refusal: Refusal
) -> None:
    fake.fail_next(1, 403, method="POST", path="/v2/orders", message=message)
    with pytest.raises(OrderRejected) as refused:
        await broker.submit_order(buy("c-403"))
    assert refused.value.refusal is refusal and refused.value.status == 403


async def test_a_403_for_the_data_plan_is_not_a_credentials_problem(fake: FakeAlpaca) -> None:
    data = sdk_market_data(fake)
    fake.fail_next(1, 403, path="/v2/stocks/bars", message=SIP)
    end = datetime.now(UTC)
    with pytest.raises(OrderRejected) as refused:
        await data.history("AAPL", "1Min", end - timedelta(hours=1), end)
    assert refused.value.refusal is Refusal.SUBSCRIPTION


async def test_a_bare_403_forbidden_and_a_401_are_the_keys(
    fake: FakeAlpaca, broker: AlpacaBroker
) -> None:
    fake.fail_next(1, 403, path="/v2/account", message="forbidden.")
    with pytest.raises(AuthenticationFailed):
        await broker.get_account()


@pytest.mark.parametrize("retry_after", [True, False])
async def test_a_429_waits_until_alpaca_says_the_window_reopens(retry_after: bool) -> None:
    async with FakeAlpaca(
        prices={"AAPL": 100.0}, rate_limit=2, rate_window=1.0, retry_after=retry_after
    ) as fake:
        broker = sdk_broker(fake)
        try:
            await broker.get_clock()
            await broker.get_clock()
            await broker.get_clock()  # the third in the window: 429, then one retry after it
        finally:
            await broker.close()
    assert fake.count("GET", "/v2/clock") == 4  # not FAST_RETRY's hammering
    assert FAST_RETRY.attempts > 2
