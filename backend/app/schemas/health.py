"""Health report shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthChecks(BaseModel):
    database: str
    redis: str


class HealthResponse(BaseModel):
    status: Literal["ok"]
    version: str
    checks: HealthChecks
