"""Strategy instances, risk settings, engine control and the audit trail they leave."""

from __future__ import annotations

import httpx

from tests.support.polling import wait_for

Headers = dict[str, str]


async def admin_actions(client: httpx.AsyncClient, headers: Headers) -> list[str]:
    page = await client.get("/api/audit", params={"actor": "admin"}, headers=headers)
    return [entry["action"] for entry in page.json()["items"]]


async def test_strategies_offer_their_parameter_schemas(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    strategies = (await client.get("/api/strategies", headers=auth_headers)).json()
    by_name = {s["name"]: s for s in strategies}
    assert {"sma_crossover", "rsi_reversion"} <= set(by_name)
    fast = by_name["sma_crossover"]["params_schema"]["properties"]["fast"]
    assert fast["type"] == "integer" and fast["minimum"] == 1


async def test_instance_create_update_enable_delete(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    body = {"strategy": "sma_crossover", "symbol": "aapl", "params": {"fast": 3, "slow": 9}}
    created = await client.post("/api/strategies/instances", json=body, headers=auth_headers)
    assert created.status_code == 201, created.text
    instance = created.json()
    assert instance["symbol"] == "AAPL" and instance["enabled"] is False
    assert instance["params"] == {"fast": 3, "slow": 9}
    url = f"/api/strategies/instances/{instance['id']}"

    duplicate = await client.post("/api/strategies/instances", json=body, headers=auth_headers)
    assert duplicate.status_code == 409

    enabled = await client.patch(url, json={"enabled": True}, headers=auth_headers)
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    retuned = await client.patch(
        url, json={"params": {"fast": 4, "slow": 12}}, headers=auth_headers
    )
    assert retuned.json()["params"] == {"fast": 4, "slow": 12}

    listed = (await client.get("/api/strategies/instances", headers=auth_headers)).json()
    assert instance["id"] in [i["id"] for i in listed]
    assert (await client.delete(url, headers=auth_headers)).status_code == 204
    assert (await client.delete(url, headers=auth_headers)).status_code == 404
    assert await admin_actions(client, auth_headers) == [
        "instance_delete",
        "instance_update",
        "instance_enable",
        "instance_create",
    ]


async def test_bad_strategy_input_names_the_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    cases = [
        ({"strategy": "nope", "symbol": "AAPL"}, "strategy"),
        ({"strategy": "sma_crossover", "symbol": "AAPL", "params": {"fast": 0}}, "params.fast"),
        ({"strategy": "sma_crossover", "symbol": "AAPL", "params": {"speed": 1}}, "params.speed"),
        ({"strategy": "sma_crossover", "symbol": "A A"}, "symbol"),
    ]
    for body, field in cases:
        response = await client.post("/api/strategies/instances", json=body, headers=auth_headers)
        assert response.status_code == 422, (body, response.text)
        assert field in [d["field"] for d in response.json()["error"]["details"]], response.text
    crossed = {"strategy": "sma_crossover", "symbol": "AAPL", "params": {"fast": 9, "slow": 3}}
    response = await client.post("/api/strategies/instances", json=crossed, headers=auth_headers)
    assert response.status_code == 422 and "fast (9) must be smaller" in response.text


async def test_risk_settings_read_update_validate(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    current = (await client.get("/api/risk", headers=auth_headers)).json()
    changed = {**current, "max_open_positions": 3, "risk_per_trade": 0.02}
    saved = await client.put("/api/risk", json=changed, headers=auth_headers)
    assert saved.status_code == 200 and saved.json()["max_open_positions"] == 3
    assert (await client.get("/api/risk", headers=auth_headers)).json() == saved.json()

    for bad, field in [
        ({"max_position_pct": 2}, "max_position_pct"),
        ({"leverage": 9}, "leverage"),
    ]:
        response = await client.put("/api/risk", json={**current, **bad}, headers=auth_headers)
        assert response.status_code == 422
        assert [d["field"] for d in response.json()["error"]["details"]] == [field]
    assert await admin_actions(client, auth_headers) == ["risk_update"]


async def test_engine_start_stop_and_kill_switch(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    status = (await client.get("/api/engine", headers=auth_headers)).json()
    assert status["state"] == "stopped" and status["broker"] == "sim"
    assert status["data_source"] == "simulated" and status["live_trading"] is False

    started = await client.post("/api/engine/start", headers=auth_headers)
    assert started.status_code == 200 and started.json()["desired"] == "running"

    async def running() -> bool:
        status = await client.get("/api/engine", headers=auth_headers)
        return bool(status.json()["state"] == "running")

    await wait_for(running, within=10, what="engine running")
    status = (await client.get("/api/engine", headers=auth_headers)).json()
    assert status["this_process_leads"] is True and status["run"]["run_id"] >= 1

    killed = await client.post(
        "/api/engine/kill", json={"confirm": "kill", "flatten": True}, headers=auth_headers
    )
    assert killed.status_code == 200, killed.text
    assert killed.json()["errors"] == []
    assert killed.json()["state"] == "running"  # still following orders, with no strategy on
    instances = (await client.get("/api/strategies/instances", headers=auth_headers)).json()
    assert instances and not any(i["enabled"] for i in instances)

    stopped = await client.post("/api/engine/stop", headers=auth_headers)
    assert stopped.json()["desired"] == "stopped" and stopped.json()["state"] == "stopped"
    assert await admin_actions(client, auth_headers) == [
        "engine_stop",
        "kill_switch",
        "engine_start",
    ]
    bad = await client.post(
        "/api/engine/kill", json={"confirm": "kill", "flatten": "maybe"}, headers=auth_headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "flatten"
