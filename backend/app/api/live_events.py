"""The engine announces plain values; this edge turns each into the API's shape before it goes
live (Redis, Socket.IO, the notification feed), with the same mapper its route uses."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from app.api.routes.account import account_out
from app.api.routes.engine import engine_status_out
from app.api.routes.equity import equity_point_out
from app.api.routes.orders import fill_out, order_out
from app.api.routes.positions import position_out
from app.api.routes.signals import risk_rejection_out, signal_out
from app.core.events import EVENTS, Publisher

SHAPES: dict[str, Callable[[Any], BaseModel]] = {
    "order": order_out,
    "fill": fill_out,
    "signal": signal_out,
    "risk_rejection": risk_rejection_out,
    "position": position_out,
    "equity": equity_point_out,
    "account": account_out,
    "engine": engine_status_out,
}
assert set(SHAPES) == set(EVENTS), "every live event has its shape"


class ShapedPublisher:
    """A Publisher that maps the engine's values to their schemas, then hands them on."""

    def __init__(self, inner: Publisher) -> None:
        self._inner = inner

    async def publish(self, event: str, payload: Any) -> None:
        await self._inner.publish(event, SHAPES[event](payload))
