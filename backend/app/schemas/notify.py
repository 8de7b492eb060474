"""Notification targets as the dashboard sees them: service names, never URLs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class NotifyTargetOut(BaseModel):
    index: int = Field(description="position in NOTIFY_URLS (the alert webhook comes last)")
    service: str = Field(description="the service's name, e.g. Telegram, E-Mail, JSON")
    events: list[str] | None = Field(description="events it receives; null: all of them")


class NotifyTestOut(BaseModel):
    index: int
    service: str
    delivered: bool = Field(description="the service accepted the test message")
