"""Schemathesis over the whole OpenAPI spec: no 5xx, and every answer matches the spec."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import login

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def fuzz(spec: dict[str, Any], base_url: str, headers: dict[str, str]) -> list[str]:
    """Run every operation with valid and invalid inputs; return one line per failure."""
    schema = schemathesis.openapi.from_dict(spec)
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:  # nothing to make invalid, e.g. no parameters at all
                continue
            except (Exception, BaseExceptionGroup) as error:  # one report per operation and mode
                failures.append(f"{operation.label} [{mode.value}]: {error}"[:1500])
    return failures


async def test_no_server_errors_and_no_schema_violations(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        headers = await login(http)
        spec = (await http.get("/api/openapi.json")).json()
    failures = await asyncio.to_thread(fuzz, spec, live_url, headers)
    assert not failures, "\n\n".join(failures)
