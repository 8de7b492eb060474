"""Health report shape."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class HealthChecksOut(BaseModel):
    database: str
    redis: str


class StrategyFileProblemOut(BaseModel):
    """A user strategy file (or a class in it) left out at start, and why."""

    file: str
    line: int | None
    reason: str


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    checks: HealthChecksOut
    # the user's strategy files that could not be loaded (the others and the built-ins run)
    strategy_files: list[StrategyFileProblemOut] = []
