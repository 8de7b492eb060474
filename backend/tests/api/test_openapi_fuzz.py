"""Schemathesis over the whole OpenAPI spec: every operation with valid and invalid inputs, then
stateful sequences along the links it infers (create an order, then read or cancel it): no 5xx,
and every answer, its status included, matches the spec."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
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
STATEFUL_SCENARIOS = 20
STATEFUL_STEPS = 6
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
_HYPOTHESIS = {
    "deadline": None,
    "database": None,
    "derandomize": True,
    "suppress_health_check": list(HealthCheck),
}


@dataclass
class FuzzReport:
    operations: int = 0
    requests: dict[str, int] = field(default_factory=dict)  # by phase
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, phase: str, response: Any) -> None:
        self.requests[phase] = self.requests.get(phase, 0) + 1
        if response.status_code >= 500:
            self.server_errors += 1


def fuzz(spec: dict[str, Any], base_url: str, headers: dict[str, str]) -> FuzzReport:
    """Run every operation with valid and invalid inputs, then the stateful phase."""
    schema = schemathesis.openapi.from_dict(spec)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _examples(operation, mode, base_url, headers, report)()
            except Unsatisfiable:  # nothing to make invalid, e.g. no parameters at all
                continue
            except (Exception, BaseExceptionGroup) as error:  # one report per operation and mode
                report.failures.append(f"{operation.label} [{mode.value}]: {error}"[:1500])
    _stateful(schema, base_url, headers, report)
    return report


def _examples(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    report: FuzzReport,
) -> Any:
    """A Hypothesis test calling one operation with generated inputs of one kind."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION, phases=[Phase.explicit, Phase.generate], **_HYPOTHESIS
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers)
        report.record(mode.value, response)
        case.validate_response(response, checks=CHECKS)

    return check


def _stateful(schema: Any, base_url: str, headers: dict[str, str], report: FuzzReport) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": base_url, "headers": headers}

        def after_call(self, response: Any, case: schemathesis.Case) -> None:
            super().after_call(response, case)
            report.record("stateful", response)

        def validate_response(self, response: Any, case: schemathesis.Case, **kwargs: Any) -> None:
            case.validate_response(response, checks=CHECKS)

    try:
        Workflow.run(
            settings=settings(
                max_examples=STATEFUL_SCENARIOS,
                stateful_step_count=STATEFUL_STEPS,
                phases=[Phase.generate],
                **_HYPOTHESIS,
            )
        )
    except (Exception, BaseExceptionGroup) as error:
        report.failures.append(f"stateful: {error}"[:3000])


async def test_no_server_errors_and_no_schema_violations(live_url: str) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        headers = await login(http)
        spec = (await http.get("/api/openapi.json")).json()
    report = await asyncio.to_thread(fuzz, spec, live_url, headers)
    print(
        f"schemathesis: {report.operations} operations, {sum(report.requests.values())} requests "
        f"{report.requests}, {report.server_errors} 5xx, {len(report.failures)} failures"
    )
    assert report.operations == sum(len(methods) for methods in spec["paths"].values())
    assert report.requests["positive"] >= report.operations
    assert report.requests["negative"] > 0
    assert report.requests["stateful"] >= STATEFUL_SCENARIOS
    assert report.server_errors == 0
    assert not report.failures, "\n\n".join(report.failures)
