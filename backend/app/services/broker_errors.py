"""Broker faults as API errors: the client learns whether to retry or to fix the request."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from app.brokers.base import BrokerError, BrokerUnavailable, NotFound, OrderRejected
from app.core.errors import ApiError

T = TypeVar("T")


async def broker_call(call: Awaitable[T], what: str) -> T:
    """Await a broker call, turning its errors into 404, 422 or 503 answers."""
    try:
        return await call
    except BrokerUnavailable as exc:
        raise ApiError(
            503, "broker_unavailable", f"{what}: the broker is unavailable ({exc}); retry later."
        ) from None
    except NotFound as exc:
        raise ApiError(404, "not_found", f"{what}: {exc}") from None
    except OrderRejected as exc:
        raise ApiError(
            422, "broker_rejected", f"{what}: the broker refused: {exc.reason}"
        ) from None
    except BrokerError as exc:
        raise ApiError(503, "broker_error", f"{what}: {exc}") from None
