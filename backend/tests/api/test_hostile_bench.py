"""The hostile bench's hand-made bad inputs and forged tokens (bench/deployed/hostile.py), sent
to the app under uvicorn: not one 5xx, and every forged token refused."""

from __future__ import annotations

import asyncio

import httpx

from bench.deployed.hostile import FORGED_TARGETS, send_bad_inputs, send_forged_tokens
from tests.conftest import login


async def test_hand_made_bad_inputs_get_no_server_error(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as client:
        token = (await login(client))["Authorization"].split()[1]
    with httpx.Client(base_url=live_url, timeout=60) as http:
        tally = await asyncio.to_thread(send_bad_inputs, http, token)
    print(tally.line(), *tally.accepted, sep="\n")
    assert tally.total >= 300
    assert not [label for label in tally.accepted if "kill" in label]
    assert tally.server_errors == []
    assert tally.statuses[422] > tally.total / 2, tally.line()


async def test_every_forged_token_is_refused(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as client:
        headers = await login(client)
        with httpx.Client(base_url=live_url, timeout=60) as http:
            tally = await asyncio.to_thread(send_forged_tokens, http, headers["Authorization"][7:])
        still_valid = await client.get("/api/risk", headers=headers)
    assert still_valid.status_code == 200
    assert tally.accepted == []
    assert tally.total >= 300
    # Each one is a 401, but for the header too large for the server to read (a 400 before the app).
    assert set(tally.statuses) <= {400, 401, 431}, tally.line()
    assert tally.statuses[401] >= tally.total - len(FORGED_TARGETS), tally.line()
