"""Broker faults as API errors: the client learns whether to retry or to fix the request."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from app.brokers.base import (
    AuthenticationFailed,
    BrokerError,
    BrokerUnavailable,
    NotFound,
    OrderRejected,
)
from app.core.errors import ApiError
from app.core.metrics import count_broker_error

T = TypeVar("T")


async def broker_call(call: Awaitable[T], what: str) -> T:
    """Await a broker call, turning its errors into 404, 422 or 503 answers."""
    try:
        return await call
    except BrokerError as exc:
        count_broker_error(exc.kind)
        raise _api_error(exc, what) from None


def _api_error(exc: BrokerError, what: str) -> ApiError:
    if isinstance(exc, BrokerUnavailable):
        return ApiError(
            503, "broker_unavailable", f"{what}: the broker is unavailable ({exc}); retry later."
        )
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", f"{what}: {exc}")
    if isinstance(exc, OrderRejected):
        return ApiError(
            422,
            "broker_rejected",
            f"{what}: the broker refused ({exc.refusal.value}): {exc.reason}",
        )
    if isinstance(exc, AuthenticationFailed):
        return ApiError(
            503, "broker_credentials", f"{what}: the broker refused the bot's API keys ({exc})."
        )
    return ApiError(503, "broker_error", f"{what}: {exc}")
