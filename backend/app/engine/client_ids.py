"""Client order ids that name their origin, so a retry, crash or restart cannot order twice."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from app.domain import Side

MAX_LENGTH = 128  # Alpaca's limit for client_order_id
_UNSAFE = re.compile(r"[^A-Za-z0-9.]")


def strategy_order_id(instance_id: int, symbol: str, bar_time: datetime, side: Side) -> str:
    """The same instance, symbol, bar and side always give the same id."""
    stamp = bar_time.astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    client_id = f"tb-{instance_id}-{_UNSAFE.sub('_', symbol)}-{stamp}-{side.value}"
    assert len(client_id) <= MAX_LENGTH, client_id
    return client_id


def manual_order_id() -> str:
    """A fresh id for an order someone placed by hand."""
    return f"manual-{uuid.uuid4().hex}"
