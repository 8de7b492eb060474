"""The error body every 4xx and 5xx carries, for the OpenAPI spec."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetail(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorResponse(BaseModel):
    error: ErrorDetail


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries so the spec documents the error shape for these status codes."""
    return {code: {"model": ErrorResponse} for code in codes}
