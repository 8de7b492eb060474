"""The double's payloads against the ones Alpaca and alpaca-py published (recorded/, with
SOURCES.md): every field a real payload has, the double sends too, and the SDK reads both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from alpaca.trading.models import Asset, Order, Position

from .server import KEY_ID, SECRET, FakeAlpaca

RECORDED = Path(__file__).parent / "recorded"
KEYS = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


def recorded(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


async def get(fake: FakeAlpaca, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    async with (
        aiohttp.ClientSession(headers=KEYS) as http,
        http.request(method, fake.base_url + path, **kw) as response,
    ):
        return response.status, await response.json()


def same_shape(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    missing = set(theirs) - set(ours)
    assert not missing, f"the double lacks {sorted(missing)}"


async def test_orders_positions_and_assets_have_alpacas_fields(fake: FakeAlpaca) -> None:
    body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}
    _, order = await get(fake, "POST", "/v2/orders", json=body)
    same_shape(order, recorded("order.json"))
    Order.model_validate(order), Order.model_validate(recorded("order.json"))
    await fake.fill(order["id"], 100.0)
    _, [position] = await get(fake, "GET", "/v2/positions")
    same_shape(position, recorded("position.json"))
    assert "qty_available" in position  # documented by Alpaca, absent from the SDK fixture
    Position.model_validate(position), Position.model_validate(recorded("position.json"))
    _, asset = await get(fake, "GET", "/v2/assets/AAPL")
    same_shape(asset, recorded("asset.json"))
    Asset.model_validate(asset), Asset.model_validate(recorded("asset.json"))


async def test_errors_read_as_alpacas(fake: FakeAlpaca) -> None:
    sub_penny = recorded("errors.json")["sub_penny"]
    body = {"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "limit_price": "41.085"}
    status, answer = await get(fake, "POST", "/v2/orders", json=body)
    assert (status, answer["code"], answer["message"]) == (
        sub_penny["status"],
        sub_penny["code"],
        sub_penny["message"],
    )
    unauthorized = recorded("errors.json")["unauthorized"]
    async with (
        aiohttp.ClientSession() as anonymous,
        anonymous.get(fake.base_url + "/v2/account") as response,
    ):
        assert response.status == unauthorized["status"]
        assert await response.json() == unauthorized["body"]


async def test_the_trade_stream_acknowledges_listen_as_documented(fake: FakeAlpaca) -> None:
    frames = recorded("stream.json")
    async with aiohttp.ClientSession() as http, http.ws_connect(fake.trading_stream_url) as ws:
        auth = {"action": "authenticate", "data": {"key_id": KEY_ID, "secret_key": SECRET}}
        await ws.send_str(json.dumps(auth))
        authorized = json.loads((await ws.receive()).data)
        assert authorized["data"]["status"] == "authorized"
        await ws.send_str(json.dumps(frames["listen"]))
        assert json.loads((await ws.receive()).data) == frames["listening"]
