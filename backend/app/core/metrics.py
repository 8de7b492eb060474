"""Prometheus series for operators: request latency, engine latency, broker faults, leadership."""

from __future__ import annotations

import math
from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from starlette.types import Scope

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

LAST_BAR_AGE.set_function(lambda: math.nan)


def observe_batch(seconds: float) -> None:
    """The engine handled a batch of bars in `seconds`."""
    BAR_SECONDS.observe(seconds)


def report_bar_age(age: Callable[[], float | None]) -> None:
    """The gauge reads the engine's own clock of arriving bars (NaN before the first)."""
    LAST_BAR_AGE.set_function(lambda: math.nan if (seconds := age()) is None else seconds)


def count_broker_error(kind: str) -> None:
    """Count a failed broker call under the broker's own label for its fault."""
    BROKER_ERRORS.labels(kind).inc()


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Times a request under its route template, so /orders/1 and /orders/2 share a series."""
    REQUEST_SECONDS.labels(scope["method"], route_template(scope), str(status)).observe(seconds)


def route_template(scope: Scope) -> str:
    """The matched route's full path template; FastAPI's included routers keep only their part."""
    included = scope.get("fastapi", {}).get("effective_route_context")  # has the prefixes
    path = getattr(included, "path", None) or getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) else "unmatched"
