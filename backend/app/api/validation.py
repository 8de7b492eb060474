"""A strategy's parameters checked for a route, with a 422 naming the bad one."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.core.errors import invalid as invalid
from app.core.errors import nested_error as nested_error
from app.strategies import STRATEGIES


def strategy_params(strategy: str, params: dict[str, Any]) -> dict[str, Any]:
    """A strategy's parameters with defaults filled in, or a 422 naming the bad one."""
    cls = STRATEGIES.get(strategy)
    if cls is None:
        known = ", ".join(sorted(STRATEGIES))
        raise invalid("strategy", f"unknown strategy {strategy!r}; known: {known}")
    try:
        return cls.Params.model_validate(params).model_dump(mode="json")
    except ValidationError as error:
        raise nested_error("params", error) from None
