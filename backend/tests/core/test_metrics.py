"""Metric helpers: broker fault labels, the outage streak, and a guessable scrape token refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.brokers.base import (
    AuthenticationFailed,
    BrokerError,
    BrokerUnavailable,
    DuplicateClientOrderId,
    NotFound,
    OrderRejected,
)
from app.brokers.health import CallHealth
from app.core import metrics
from tests.core.test_config import production


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (BrokerUnavailable("timeout", maybe_processed=True), "unavailable"),
        (DuplicateClientOrderId("abc"), "duplicate"),
        (OrderRejected("insufficient buying power"), "rejected"),
        (NotFound("no such order"), "not_found"),
        (AuthenticationFailed("bad key"), "auth"),
        (BrokerError("odd"), "other"),
    ],
)
def test_broker_errors_are_counted_by_kind(error: BrokerError, kind: str) -> None:
    def count() -> float:
        found = metrics.REGISTRY.get_sample_value("trading_bot_broker_errors_total", {"kind": kind})
        return found or 0.0

    before = count()
    CallHealth().note(error)
    assert count() == before + 1


def test_unavailable_streak_counts_only_unavailable_in_a_row() -> None:
    down = BrokerUnavailable("503", status=503, maybe_processed=False)
    health, other = CallHealth(), CallHealth()
    health.note(down)
    health.note(OrderRejected("no"))
    health.note(down)
    assert health.unavailable_streak == 2
    assert other.unavailable_streak == 0  # each venue keeps its own
    health.note(None)
    assert health.unavailable_streak == 0


@pytest.mark.parametrize("token", ["changethis", "short"])
def test_production_refuses_a_guessable_metrics_token(token: str) -> None:
    with pytest.raises(ValidationError, match="METRICS_TOKEN is a placeholder or shorter than 16"):
        production(metrics_token=token)
    assert production(metrics_token="m" * 16).metrics_token == "m" * 16
