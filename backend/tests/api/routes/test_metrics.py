"""The Prometheus endpoint: parseable text, the named series, and who may scrape it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from socketio import ASGIApp

from tests.api.test_orders_api import exchange_of, tick

Headers = dict[str, str]
METRICS_TOKEN = "metrics-scrape-token-0123456789"


@pytest.fixture
async def local_client(api_app: tuple[FastAPI, ASGIApp]) -> AsyncIterator[httpx.AsyncClient]:
    """A client on this host, as a local Prometheus or an operator's curl would be."""
    transport = httpx.ASGITransport(app=api_app[1], client=("127.0.0.1", 4712))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def samples(text: str) -> list[Sample]:
    return [s for family in text_string_to_metric_families(text) for s in family.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    matching = [s.value for s in found if s.name == name and labels.items() <= s.labels.items()]
    assert len(matching) == 1, f"{name} {labels}: {matching}"
    return matching[0]


async def test_series_from_a_loopback_client(
    local_client: httpx.AsyncClient,
    client: httpx.AsyncClient,
    auth_headers: Headers,
    api_app: tuple[FastAPI, ASGIApp],
) -> None:
    engine = exchange_of(api_app)
    tick(engine, "SIMA", 100.0, 0)
    body = {"symbol": "SIMA", "side": "buy", "qty": 2, "type": "limit", "limit_price": 90}
    for _ in range(2):
        created = await client.post("/api/orders", json=body | {"qty": 1}, headers=auth_headers)
        assert created.status_code == 201, created.text
    order_id = created.json()["id"]
    route = "/api/orders/{order_id}"
    before = samples((await local_client.get("/api/metrics")).text)
    count = "trading_bot_http_request_duration_seconds_count"
    seen = [s.value for s in before if s.name == count and s.labels.get("route") == route]

    assert (await client.get(f"/api/orders/{order_id}", headers=auth_headers)).status_code == 200
    response = await local_client.get("/api/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    found = samples(response.text)
    assert value(found, count, method="GET", route=route, status="200") == sum(seen) + 1
    assert not [s for s in found if str(order_id) in s.labels.get("route", "")]
    assert value(found, "trading_bot_orders", state="new") == 2
    assert value(found, "trading_bot_engine_leader") == 0  # tests start no engine run
    lock = value(found, "trading_bot_engine_lock_info", this_process=engine.holder)
    assert lock == 1
    names = {s.name for s in found}
    assert {
        "trading_bot_last_bar_age_seconds",
        "trading_bot_engine_bar_latency_seconds_count",
    } <= names


async def test_remote_client_needs_the_metrics_token(
    client: httpx.AsyncClient, auth_headers: Headers, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    refused = await client.get("/api/metrics")
    assert refused.status_code == 403
    assert "METRICS_TOKEN" in refused.json()["error"]["message"]
    assert (await client.get("/api/metrics", headers=auth_headers)).status_code == 403

    api_app[0].state.settings.metrics_token = METRICS_TOKEN
    wrong = await client.get("/api/metrics", headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    assert (await client.get("/api/metrics")).status_code == 401
    right = await client.get("/api/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert right.status_code == 200
    assert "trading_bot_orders" in right.text


async def test_token_is_required_even_on_loopback_once_set(
    local_client: httpx.AsyncClient, api_app: tuple[FastAPI, ASGIApp]
) -> None:
    api_app[0].state.settings.metrics_token = METRICS_TOKEN
    assert (await local_client.get("/api/metrics")).status_code == 401
