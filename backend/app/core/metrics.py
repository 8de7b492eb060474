"""Prometheus series for operators: request latency, engine latency, broker faults, leadership."""

from __future__ import annotations

import math
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from starlette.types import Scope

from app.brokers.base import (
    AuthenticationFailed,
    BrokerError,
    BrokerUnavailable,
    DuplicateClientOrderId,
    NotFound,
    OrderRejected,
)

REGISTRY = CollectorRegistry()

REQUEST_SECONDS = Histogram(
    "trading_bot_http_request_duration_seconds",
    "HTTP request latency by method, route template and status",
    ["method", "route", "status"],
    registry=REGISTRY,
)
BAR_SECONDS = Histogram(
    "trading_bot_engine_bar_latency_seconds",
    "From a batch of closed bars reaching the engine to its orders being submitted",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=REGISTRY,
)
ORDERS = Gauge("trading_bot_orders", "Orders by state", ["state"], registry=REGISTRY)
BROKER_ERRORS = Counter(
    "trading_bot_broker_errors", "Broker call failures by kind", ["kind"], registry=REGISTRY
)
LEADER = Gauge(
    "trading_bot_engine_leader",
    "1 while this process holds the engine leader lock and trades, else 0",
    registry=REGISTRY,
)
LOCK = Info("trading_bot_engine_lock", "Leader lock holder and this process", registry=REGISTRY)
LAST_BAR_AGE = Gauge(
    "trading_bot_last_bar_age_seconds",
    "Seconds since this process last received a bar (NaN before the first)",
    registry=REGISTRY,
)

_last_bar_at: float | None = None
_unavailable_streak = 0


def bar_age() -> float | None:
    """Seconds since the last bar arrived in this process, None before the first."""
    return None if _last_bar_at is None else time.monotonic() - _last_bar_at


LAST_BAR_AGE.set_function(lambda: math.nan if (age := bar_age()) is None else age)


def observe_batch(seconds: float) -> None:
    """The engine handled a batch of bars: its latency, and that data still flows."""
    global _last_bar_at
    _last_bar_at = time.monotonic()
    BAR_SECONDS.observe(seconds)


def note_broker_call(error: BrokerError | None) -> None:
    """Count a failed broker call by kind; track how many calls in a row found it unavailable."""
    global _unavailable_streak
    if error is None:
        _unavailable_streak = 0
        return
    BROKER_ERRORS.labels(broker_error_kind(error)).inc()
    if isinstance(error, BrokerUnavailable):
        _unavailable_streak += 1


def unavailable_streak() -> int:
    """Broker calls in a row that failed as unavailable, for the outage alert."""
    return _unavailable_streak


def broker_error_kind(error: BrokerError) -> str:
    """A short stable label for a broker fault (the most specific class first)."""
    for kind, cls in (
        ("duplicate", DuplicateClientOrderId),
        ("rejected", OrderRejected),
        ("unavailable", BrokerUnavailable),
        ("auth", AuthenticationFailed),
        ("not_found", NotFound),
    ):
        if isinstance(error, cls):
            return kind
    return "other"


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Times a request under its route template, so /orders/1 and /orders/2 share a series."""
    REQUEST_SECONDS.labels(scope["method"], route_template(scope), str(status)).observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's full path template; FastAPI's included routers keep only their part."""
    included = scope.get("fastapi", {}).get("effective_route_context")  # has the prefixes
    path = getattr(included, "path", None) or getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"
