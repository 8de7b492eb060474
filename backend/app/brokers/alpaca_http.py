"""What every alpaca-py REST call needs here: off the event loop, bounded in time, typed errors."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

import requests
from alpaca.common.exceptions import APIError
from requests.adapters import HTTPAdapter

from app.brokers.base import (
    AuthenticationFailed,
    BrokerError,
    BrokerUnavailable,
    DuplicateClientOrderId,
    NotFound,
    OrderRejected,
    Refusal,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

PAPER_URL = "https://paper-api.alpaca.markets"
LIVE_HOST = "api.alpaca.markets"


class _TimeoutAdapter(HTTPAdapter):
    """requests waits forever by default; a hung broker must become a retriable timeout."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().send(request, **kwargs)


def tune_sdk_client(client: Any, timeout: float) -> None:
    """Give an alpaca-py REST client a request timeout and turn off its own blocking retries.

    alpaca-py retries 429s by sleeping 3 s inside the call, three times, with no jitter and no
    timeout on the request; we retry on the event loop instead (`app.brokers.retry`).
    """
    client._retry = 0
    adapter = _TimeoutAdapter(timeout)
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)


def is_live_url(url: str | None) -> bool:
    """Whether a base URL points at Alpaca's live (real money) trading API."""
    return url is not None and urlparse(url).hostname == LIVE_HOST


def stream_url_for(base_url: str) -> str:
    """Trading stream endpoint of a trading API base URL (Alpaca serves it at /stream)."""
    parsed = urlparse(base_url)
    scheme = "wss" if parsed.scheme == "https" else "ws"
    return parsed._replace(scheme=scheme, path=parsed.path.rstrip("/") + "/stream").geturl()


async def call_sdk(fn: Callable[..., T], *args: Any, client_order_id: str = "") -> T:
    """Run one blocking SDK call in a worker thread and translate its failure."""
    try:
        return await asyncio.to_thread(fn, *args)
    except APIError as exc:
        raise translate_api_error(exc, client_order_id=client_order_id) from exc
    except requests.ConnectTimeout as exc:
        raise BrokerUnavailable(f"connect timeout: {exc}", maybe_processed=False) from exc
    except requests.Timeout as exc:
        raise BrokerUnavailable(f"timeout: {exc}", maybe_processed=True) from exc
    except requests.ConnectionError as exc:
        raise BrokerUnavailable(f"connection failed: {exc}", maybe_processed=True) from exc


def translate_api_error(exc: APIError, *, client_order_id: str = "") -> BrokerError:
    """Map an Alpaca HTTP error to our hierarchy, keeping Alpaca's own message as the reason."""
    status = exc.status_code
    code, message = _code_and_message(str(exc))
    if status == 429 or status is None or status >= 500:
        return BrokerUnavailable(
            f"alpaca answered {status}: {message}",
            status=status,
            maybe_processed=status != 429,
            retry_after=retry_after(exc.response) if status == 429 else None,
        )
    refusal = classify(status, message)
    if refusal is Refusal.CREDENTIALS:
        return AuthenticationFailed(f"alpaca refused the credentials ({status}): {message}")
    if status == 404:
        return NotFound(message)
    if "client_order_id must be unique" in message:
        return DuplicateClientOrderId(client_order_id, status=status, code=code)
    return OrderRejected(message, status=status, code=code, refusal=refusal)


_REFUSALS = (  # Alpaca's messages, as its docs and SDK issues show them (recorded/errors.json)
    ("buying power", Refusal.BUYING_POWER),
    ("insufficient qty", Refusal.INSUFFICIENT_QTY),
    ("wash trade", Refusal.WASH_TRADE),
    ("subscription", Refusal.SUBSCRIPTION),
    ("sub-penny", Refusal.PRICE_INCREMENT),
    ("not tradable", Refusal.ASSET),
    ("not shortable", Refusal.ASSET),
    ("asset", Refusal.ASSET),
)


def classify(status: int | None, message: str) -> Refusal:
    """What a refusal is about, by its message first (Alpaca's codes are shared: 40310000 is
    buying power, held shares and wash trades alike); a bare 401/403 is the keys."""
    lowered = message.lower()
    for needle, refusal in _REFUSALS:
        if needle in lowered:
            return refusal
    if status == 401 or (status == 403 and lowered.strip(" .") in ("forbidden", "unauthorized")):
        return Refusal.CREDENTIALS
    return Refusal.OTHER


def retry_after(response: Any, now: float | None = None) -> float | None:
    """Seconds a 429 asks us to wait: Retry-After if sent, else until X-RateLimit-Reset (the
    header Alpaca documents, a unix time); None if the answer named neither."""
    headers = getattr(response, "headers", None) or {}
    with contextlib.suppress(TypeError, ValueError):
        if headers.get("Retry-After") is not None:
            return max(0.0, float(headers["Retry-After"]))
        if headers.get("X-RateLimit-Reset") is not None:
            reset = float(headers["X-RateLimit-Reset"])
            return max(0.0, reset - (time.time() if now is None else now))
    return None


def _code_and_message(body: str) -> tuple[int | None, str]:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None, body
    if not isinstance(parsed, dict):
        return None, body
    if "message" not in parsed:  # e.g. a 429 with a plain-text body
        return None, body
    code = parsed.get("code")
    return (code if isinstance(code, int) else None), str(parsed.get("message", body))
