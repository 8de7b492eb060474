"""Searches over the API: a background job with progress, walk-forward, cancel and clear errors."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

Headers = dict[str, str]


async def settled(client: httpx.AsyncClient, headers: Headers, job_id: str) -> dict[str, Any]:
    async with asyncio.timeout(120):
        while True:
            job: dict[str, Any] = (
                await client.get(f"/api/research/searches/{job_id}", headers=headers)
            ).json()
            if job["status"] in ("done", "failed", "cancelled"):
                return job
            await asyncio.sleep(0.2)


async def test_grid_with_walk_forward(client: httpx.AsyncClient, auth_headers: Headers) -> None:
    body = {"strategy": "sma_crossover", "walk_forward": {"folds": 2, "in_sample_share": 0.6}}
    started = await client.post("/api/research/searches", json=body, headers=auth_headers)
    assert started.status_code == 202, started.text
    job = await settled(client, auth_headers, started.json()["id"])
    assert job["status"] == "done", job["error"]
    assert (job["done"], job["total"], len(job["trials"])) == (9, 9, 9)
    scores = [t["score"] for t in job["trials"] if t["score"] is not None]
    assert job["best"]["score"] == max(scores)
    report = job["walk_forward"]
    assert len(report["folds"]) == 2 and report["equity"]
    assert isinstance(report["diverges"], bool)


async def test_cancel_keeps_the_finished_trials(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    grid = {"fast": list(range(2, 30)), "slow": [40, 60, 80, 100]}
    body = {"strategy": "sma_crossover", "grid": grid}
    started = (await client.post("/api/research/searches", json=body, headers=auth_headers)).json()
    cancel = await client.post(
        f"/api/research/searches/{started['id']}/cancel", headers=auth_headers
    )
    assert cancel.status_code == 200
    job = await settled(client, auth_headers, started["id"])
    assert job["status"] == "cancelled" and len(job["trials"]) < 112


async def test_bad_requests_name_the_field(
    client: httpx.AsyncClient, auth_headers: Headers
) -> None:
    async def field(body: dict[str, Any]) -> str:
        response = await client.post("/api/research/searches", json=body, headers=auth_headers)
        assert response.status_code == 422, response.text
        return str(response.json()["error"]["details"][0]["field"])

    assert await field({"strategy": "sma_crossover", "grid": {"speed": [1.0]}}) == "grid"
    assert await field({"strategy": "nope"}) == "strategy"
    assert await field({"strategy": "sma_crossover", "objective": "luck"}) == "objective"
    missing = f"/api/research/searches/{'0' * 32}"
    assert (await client.get(missing, headers=auth_headers)).status_code == 404
