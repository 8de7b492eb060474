"""Pydantic errors from nested models, reported under the field the client sent."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from app.core.errors import ApiError
from app.core.errors import invalid as invalid
from app.strategies import STRATEGIES


def nested_error(
    prefix: str, error: ValidationError, tags: frozenset[str] = frozenset()
) -> ApiError:
    """A 422 whose fields read `prefix.name`, e.g. `params.fast`; `tags` are the names of
    tagged-union members, which pydantic puts in the path and a client never wrote."""
    details = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"] if part not in tags)
        details.append(
            {
                "field": ".".join(part for part in (prefix, path) if part) or "body",
                "message": str(item["msg"]).removeprefix("Value error, "),
            }
        )
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return ApiError(422, "validation_error", f"Invalid request: {summary}", details)


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
