"""Strategies on offer and the instances that trade them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN, InputModel


class StrategyOut(BaseModel):
    name: str
    title: str
    description: str | None
    params_schema: dict[str, Any] = Field(description="JSON schema of the parameters")


class StrategyInstanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    strategy: str
    symbol: str
    params: dict[str, Any]
    enabled: bool
    allow_short: bool
    created_at: datetime
    updated_at: datetime


class StrategyInstanceCreate(InputModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(min_length=1, max_length=64)
    symbol: str = Field(min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)
    params: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = False
    allow_short: bool = Field(
        default=False, description="let sell signals open shorts (long-only by default)"
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=64, description="defaults to the strategy name"
    )


class StrategyInstanceUpdate(InputModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, Any] | None = None
    enabled: bool | None = None
    allow_short: bool | None = None
    name: str | None = Field(default=None, min_length=1, max_length=64)
