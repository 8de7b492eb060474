"""The fake itself: it guards its API like Alpaca and its faults count down as promised."""

from __future__ import annotations

import aiohttp

from .server import KEY_ID, SECRET, FakeAlpaca

KEYS = {"APCA-API-KEY-ID": KEY_ID, "APCA-API-SECRET-KEY": SECRET}


async def test_requests_without_keys_are_unauthorized(fake: FakeAlpaca) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{fake.base_url}/v2/account") as response:
            assert response.status == 401
            assert await response.json() == {"message": "unauthorized."}
        async with http.get(f"{fake.base_url}/v2/account", headers=KEYS) as response:
            assert response.status == 200


async def test_faults_hit_only_matching_requests_and_run_out(fake: FakeAlpaca) -> None:
    fault = fake.fail_next(2, 503, method="GET", path="/v2/clock")
    async with aiohttp.ClientSession(headers=KEYS) as http:
        statuses = []
        for path in ("/v2/account", "/v2/clock", "/v2/clock", "/v2/clock"):
            async with http.get(fake.base_url + path) as response:
                statuses.append(response.status)
    assert statuses == [200, 503, 503, 200]
    assert fault.count == 0
