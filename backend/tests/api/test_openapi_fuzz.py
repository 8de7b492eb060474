"""Schemathesis over the whole OpenAPI spec of the app served by uvicorn (tests/support/fuzz.py):
no 5xx, and every answer, its status included, matches the spec."""

from __future__ import annotations

import asyncio

import httpx

from tests.conftest import login
from tests.support.fuzz import Budget, fuzz


async def test_no_server_errors_and_no_schema_violations(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        headers = await login(http)
        spec = (await http.get("/api/openapi.json")).json()
    budget = Budget()
    report = await asyncio.to_thread(fuzz, spec, live_url, headers, budget)
    print(
        f"schemathesis: {report.operations} operations, {sum(report.requests.values())} requests "
        f"{report.requests}, {report.server_errors} 5xx, {len(report.failures)} failures"
    )
    assert report.operations == sum(len(methods) for methods in spec["paths"].values())
    assert report.requests["positive"] >= report.operations
    assert report.requests["negative"] > 0
    assert report.requests["stateful"] >= budget.scenarios
    assert report.server_errors == 0
    assert not report.failures, "\n\n".join(report.failures)
