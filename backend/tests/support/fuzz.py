"""Schemathesis over a whole OpenAPI spec against a running server: every operation with valid and
invalid inputs, then stateful sequences along the links it infers (create an order, then read or
cancel it), each answer checked for no 5xx and conformance (status, content type, body) to the
spec. The API test runs it in-process on a small budget; bench/deployed/hostile.py through nginx
on a large one."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

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


@dataclass(frozen=True)
class Budget:
    """How much to generate: examples per operation and mode, stateful scenarios and their steps."""

    examples: int = 12
    scenarios: int = 20
    steps: int = 6


@dataclass
class FuzzReport:
    operations: int = 0
    requests: dict[str, int] = field(default_factory=dict)  # by phase
    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: int = 0
    failures: list[str] = field(default_factory=list)

    def record(self, phase: str, response: Any) -> None:
        self.requests[phase] = self.requests.get(phase, 0) + 1
        self.statuses[response.status_code] += 1
        if response.status_code >= 500:
            self.server_errors += 1


def fuzz(
    spec: dict[str, Any], base_url: str, headers: dict[str, str], budget: Budget = Budget()
) -> FuzzReport:
    """Run every operation with valid and invalid inputs, then the stateful phase."""
    schema = schemathesis.openapi.from_dict(spec)
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        report.operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _examples(operation, mode, base_url, headers, report, budget)()
            except Unsatisfiable:  # nothing to make invalid, e.g. no parameters at all
                continue
            except (Exception, BaseExceptionGroup) as error:  # one report per operation and mode
                report.failures.append(f"{operation.label} [{mode.value}]: {error}"[:1500])
    _stateful(schema, base_url, headers, report, budget)
    return report


def _examples(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    report: FuzzReport,
    budget: Budget,
) -> Any:
    """A Hypothesis test calling one operation with generated inputs of one kind."""

    @settings(max_examples=budget.examples, phases=[Phase.explicit, Phase.generate], **_HYPOTHESIS)
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers)
        report.record(mode.value, response)
        case.validate_response(response, checks=CHECKS)

    return check


def _stateful(
    schema: Any, base_url: str, headers: dict[str, str], report: FuzzReport, budget: Budget
) -> None:
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
                max_examples=budget.scenarios,
                stateful_step_count=budget.steps,
                phases=[Phase.generate],
                **_HYPOTHESIS,
            )
        )
    except (Exception, BaseExceptionGroup) as error:
        report.failures.append(f"stateful: {error}"[:3000])
