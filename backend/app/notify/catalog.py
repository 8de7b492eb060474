"""The events a notification target can ask for, each with the dashboard page it links to."""

from __future__ import annotations

from dataclasses import dataclass

# event name -> dashboard page the message links to
EVENTS: dict[str, str] = {
    "fill": "/orders",
    "order_rejected": "/orders",
    "kill_switch": "/",
    "risk_halt": "/risk",
    "leader_lost": "/",
    "broker_outage": "/",
    "stale_data": "/",
    "deploy": "/",
    "daily_summary": "/",
    "backup_failed": "/",
    "test": "/",
}
WARNINGS = frozenset(
    {"order_rejected", "kill_switch", "risk_halt", "leader_lost", "broker_outage", "stale_data"}
)
FAILURES = frozenset({"backup_failed"})


@dataclass(frozen=True, slots=True)
class Notice:
    """One short human message about one event; `page` is a path under the dashboard."""

    event: str
    title: str
    body: str

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise ValueError(f"unknown notification event {self.event!r}")

    @property
    def page(self) -> str:
        return EVENTS[self.event]

    def text(self, dashboard_url: str) -> str:
        return f"{self.body}\n{dashboard_url.rstrip('/')}{self.page}"


def check_events(events: list[str] | None, where: str) -> None:
    """A clear error naming the target and the unknown event."""
    for event in events or ():
        if event not in EVENTS:
            known = ", ".join(name for name in EVENTS if name != "test")
            raise ValueError(f"{where}: unknown event {event!r} (known: {known})")
