"""The double keeps Alpaca's documented rules, seen over plain HTTP (no adapter of ours), so it
cannot drift back to agreeing with the code it tests."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from .server import KEY_ID, SECRET, FakeAlpaca

MATERIAL = Path(__file__).parent / "material"
KEYS = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=KEYS) as session:
        yield session


async def call(
    http: aiohttp.ClientSession, fake: FakeAlpaca, method: str, path: str, **kw: Any
) -> tuple[int, Any]:
    async with http.request(method, fake.base_url + path, **kw) as response:
        body = await response.json() if response.content_type == "application/json" else None
        return response.status, body


def bracket(qty: int = 10, take: float = 110.0, stop: float = 95.0) -> dict[str, Any]:
    return {
        "symbol": "AAPL",
        "qty": str(qty),
        "side": "buy",
        "type": "market",
        "time_in_force": "day",
        "order_class": "bracket",
        "take_profit": {"limit_price": str(take)},
        "stop_loss": {"stop_price": str(stop)},
    }


@pytest.mark.parametrize(
    ("field", "price", "ok"),
    [
        ("limit_price", "192.3682712", False),
        ("limit_price", "192.37", True),
        ("limit_price", "1.001", False),
        ("limit_price", "0.9999", True),
        ("limit_price", "0.99995", False),
        ("stop_price", "184.96086440000002", False),
    ],
)
async def test_prices_off_the_penny_grid_are_refused_with_422(
    fake: FakeAlpaca, http: aiohttp.ClientSession, field: str, price: str, ok: bool
) -> None:
    kind = "limit" if field == "limit_price" else "stop"
    body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": kind, field: price}
    status, answer = await call(http, fake, "POST", "/v2/orders", json=body)
    if ok:
        assert status == 200
    else:
        assert (status, answer["code"]) == (422, 42210000)
        assert answer["message"] == (
            f"invalid {field} {price}. sub-penny increment does not fulfill minimum pricing "
            "criteria"
        )


async def test_bracket_legs_are_checked_too(fake: FakeAlpaca, http: aiohttp.ClientSession) -> None:
    status, answer = await call(http, fake, "POST", "/v2/orders", json=bracket(take=192.3682712))
    assert (status, answer["code"]) == (422, 42210000)
    assert not fake.orders


async def test_bracket_lifecycle_legs_are_orders_held_then_new_and_oco(
    fake: FakeAlpaca, http: aiohttp.ClientSession
) -> None:
    _, entry = await call(http, fake, "POST", "/v2/orders", json=bracket())
    take, stop = entry["legs"]
    assert (take["status"], stop["status"]) == ("held", "held")
    for leg in (take, stop):  # each leg is an order of its own, found by its id
        status, found = await call(http, fake, "GET", f"/v2/orders/{leg['id']}")
        assert status == 200 and found["id"] == leg["id"]
    await fake.fill(entry["id"], 100.0)
    _, take_now = await call(http, fake, "GET", f"/v2/orders/{take['id']}")
    _, stop_now = await call(http, fake, "GET", f"/v2/orders/{stop['id']}")
    assert (take_now["status"], stop_now["status"]) == ("new", "held")
    await fake.fill(stop["id"], 95.0)
    _, take_now = await call(http, fake, "GET", f"/v2/orders/{take['id']}")
    assert take_now["status"] == "canceled"
    assert "AAPL" not in fake.positions


@pytest.mark.parametrize("nested_parents", [True, False])
async def test_open_legs_of_a_filled_entry_are_listed_either_way(
    nested_parents: bool, http: aiohttp.ClientSession
) -> None:
    async with FakeAlpaca(prices={"AAPL": 100.0}, open_nested_parents=nested_parents) as fake:
        _, entry = await call(http, fake, "POST", "/v2/orders", json=bracket())
        await fake.fill(entry["id"], 100.0)
        _, listed = await call(
            http, fake, "GET", "/v2/orders", params={"status": "open", "nested": "true"}
        )
        flat = [o["id"] for top in listed for o in [top, *(top["legs"] or [])]]
        assert {leg["id"] for leg in entry["legs"]} <= set(flat)
        assert (entry["id"] in flat) is nested_parents


async def test_shares_held_by_legs_are_not_available_to_sell(
    fake: FakeAlpaca, http: aiohttp.ClientSession
) -> None:
    _, entry = await call(http, fake, "POST", "/v2/orders", json=bracket())
    await fake.fill(entry["id"], 100.0)
    _, [position] = await call(http, fake, "GET", "/v2/positions")
    assert (position["qty"], position["qty_available"]) == ("10.0", "0.0")
    sell = {"symbol": "AAPL", "qty": "10", "side": "sell", "type": "market"}
    status, answer = await call(http, fake, "POST", "/v2/orders", json=sell)
    assert (status, answer["code"]) == (403, 40310000)
    assert answer["message"] == "insufficient qty available for order (requested: 10, available: 0)"
    assert set(answer["related_orders"]) == {leg["id"] for leg in entry["legs"]}
    status, _ = await call(http, fake, "DELETE", "/v2/positions/AAPL")
    assert status == 403
    for leg in entry["legs"]:
        await call(http, fake, "DELETE", f"/v2/orders/{leg['id']}")
    await fake.wait_until(lambda: fake.qty_available("AAPL") == 10)
    status, _ = await call(http, fake, "POST", "/v2/orders", json=sell)
    assert status == 200


async def test_a_cancel_is_only_requested_until_the_stream_confirms_it(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeAlpaca(prices={"AAPL": 100.0}, cancel_latency=None) as fake:
        limit = {"symbol": "AAPL", "qty": "5", "side": "buy", "type": "limit", "limit_price": "90"}
        _, order = await call(http, fake, "POST", "/v2/orders", json=limit)
        status, _ = await call(http, fake, "DELETE", f"/v2/orders/{order['id']}")
        assert status == 204
        _, seen = await call(http, fake, "GET", f"/v2/orders/{order['id']}")
        assert seen["status"] == "pending_cancel"
        await fake.fill(order["id"], 90.0)  # it filled before the cancel went through
        sent: list[str] = []
        original = fake.push_trade_update

        async def spy(event: str, payload: dict[str, Any], **extra: str) -> None:
            sent.append(event)
            await original(event, payload, **extra)

        fake.push_trade_update = spy  # type: ignore[method-assign]
        await fake.confirm_cancels()
        assert sent == ["order_cancel_rejected"]
        assert fake.orders[order["id"]]["status"] == "filled"


async def test_day_orders_expire_at_the_close(
    fake: FakeAlpaca, http: aiohttp.ClientSession
) -> None:
    limit = {"symbol": "AAPL", "qty": "5", "side": "buy", "type": "limit", "limit_price": "90"}
    _, day = await call(http, fake, "POST", "/v2/orders", json={**limit, "time_in_force": "day"})
    _, gtc = await call(http, fake, "POST", "/v2/orders", json={**limit, "time_in_force": "gtc"})
    await fake.expire_day_orders()
    assert fake.orders[day["id"]]["status"] == "expired"
    assert fake.orders[gtc["id"]]["status"] == "accepted"


async def test_the_request_budget_answers_429_with_rate_limit_headers(
    http: aiohttp.ClientSession,
) -> None:
    async with FakeAlpaca(prices={"AAPL": 100.0}, rate_limit=3, retry_after=True) as fake:
        statuses = [(await call(http, fake, "GET", "/v2/clock"))[0] for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        async with http.get(fake.base_url + "/v2/clock") as response:
            assert response.headers["X-RateLimit-Remaining"] == "0"
            assert int(response.headers["Retry-After"]) >= 1
            assert "X-RateLimit-Reset" in response.headers


async def test_bad_keys_get_alpacas_unauthorized_body_without_a_code(fake: FakeAlpaca) -> None:
    async with (
        aiohttp.ClientSession() as anonymous,
        anonymous.get(fake.base_url + "/v2/account") as response,
    ):
        assert response.status == 401
        assert await response.json() == {"message": "unauthorized."}


async def test_unknown_symbols_are_refused(fake: FakeAlpaca, http: aiohttp.ClientSession) -> None:
    body = {"symbol": "NOPE", "qty": "1", "side": "buy", "type": "market"}
    status, answer = await call(http, fake, "POST", "/v2/orders", json=body)
    assert status == 422 and "NOPE" in answer["message"]
    status, _ = await call(http, fake, "GET", "/v2/assets/NOPE")
    assert status == 404
    status, asset = await call(http, fake, "GET", "/v2/assets/AAPL")
    assert status == 200 and asset["tradable"] and asset["class"] == "us_equity"


async def test_the_history_holds_every_minute_and_folds_longer_intraday_bars(
    fake: FakeAlpaca, http: aiohttp.ClientSession
) -> None:
    start = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)
    fake.data_outage(True)  # nobody streams: the minutes still reach the history
    for n in range(7):
        await fake.publish_bar("AAPL", start + timedelta(minutes=n), (10 + n, 11 + n, 9, 10.5, 100))
    query = {"symbols": "AAPL", "start": "2026-03-02T14:30:00Z", "end": "2026-03-02T15:00:00Z"}
    status, minutes = await call(
        http, fake, "GET", "/v2/stocks/bars", params={**query, "timeframe": "1Min"}
    )
    assert status == 200 and len(minutes["bars"]["AAPL"]) == 7
    recorded = json.loads((MATERIAL / "stock_bars_multisymbol.json").read_text())
    [recorded_bar] = recorded["payload"]["bars"]["AAPL"]
    assert set(minutes["bars"]["AAPL"][0]) == set(recorded_bar)
    _, folded = await call(
        http, fake, "GET", "/v2/stocks/bars", params={**query, "timeframe": "5Min"}
    )
    first, second = folded["bars"]["AAPL"]
    assert (first["t"], first["o"], first["h"], first["c"], first["v"]) == (
        "2026-03-02T14:30:00Z",
        10,
        15,
        10.5,
        500,
    )
    assert (second["t"], second["o"], second["v"]) == ("2026-03-02T14:35:00Z", 15, 200)
    async with http.get(fake.data_stream_url.replace("ws://", "http://")) as refused:
        assert refused.status == 503  # the data stream is unreachable during the outage
