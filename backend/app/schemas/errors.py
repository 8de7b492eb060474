"""The error body every 4xx and 5xx carries, for the OpenAPI spec."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorDetailOut(BaseModel):
    code: str
    message: str
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetailOut


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries so the spec documents the error shape for these status codes."""
    return {code: {"model": ErrorOut} for code in codes}
