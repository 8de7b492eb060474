"""Operator alerts (kill switch, halt, leadership, outages, stale data) as notifications."""

from __future__ import annotations

import logging
from typing import Any

from app.notify.catalog import Notice
from app.notify.dispatch import Dispatcher

logger = logging.getLogger(__name__)


ALERT_TITLES = {
    "kill_switch": "Kill switch pulled",
    "risk_halt": "Risk halt: trading stopped",
    "leader_lost": "Leader lock lost",
    "broker_outage": "Broker unavailable",
    "stale_data": "No market data",
}


class AlertSender:
    """Logs each operator alert and hands it to the notification targets, never waiting (the
    engine's AlertSink)."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self._dispatcher = dispatcher

    def send(self, event: str, message: str, details: dict[str, Any] | None = None) -> None:
        logger.warning("alert %s: %s %s", event, message, details or "")
        facts = ", ".join(
            f"{key.replace('_', ' ')}: {value}"
            for key, value in (details or {}).items()
            if isinstance(value, int | float | str) and not isinstance(value, bool)
        )
        body = f"{message} ({facts})" if facts else message
        self._dispatcher.notify(Notice(event, ALERT_TITLES[event], body))
