"""Parameter searches as background jobs: the request, progress, trials and walk-forward."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.backtest import BacktestConfig
from app.schemas.backtests import DataSpec, SimulatedData

MAX_TRIALS = 5_000


class WalkForwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    folds: int = Field(4, ge=1, le=12, description="rolling in-sample/out-of-sample windows")
    in_sample_share: float = Field(0.75, ge=0.5, le=0.95, description="of the bars, per window")


class SearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(min_length=1, max_length=64)
    method: Literal["grid", "tpe"] = "grid"
    objective: Literal["sharpe", "sortino", "calmar", "total_return"] = "sharpe"
    max_drawdown: float | None = Field(
        None, gt=0, le=1, description="trials deeper than this score nothing (e.g. 0.2)"
    )
    grid: dict[str, list[float]] = Field(
        default_factory=lambda: {"fast": [5.0, 10.0, 20.0], "slow": [30.0, 50.0, 100.0]},
        description="grid: the values to try per parameter",
    )
    ranges: dict[str, tuple[float, float]] = Field(
        default_factory=lambda: {"fast": (2.0, 30.0), "slow": (30.0, 200.0)},
        description="tpe: [low, high] per parameter",
    )
    trials: int = Field(50, ge=1, le=MAX_TRIALS, description="tpe: how many trials")
    data: DataSpec = Field(default_factory=lambda: SimulatedData(timeframe="1Hour"))
    config: BacktestConfig = Field(default_factory=BacktestConfig)
    walk_forward: WalkForwardIn | None = None

    @model_validator(mode="after")
    def _bounded(self) -> SearchIn:
        points = 1
        for values in self.grid.values():
            points *= max(1, len(values))
        if self.method == "grid" and (not self.grid or points > MAX_TRIALS):
            raise ValueError(f"grid: 1 to {MAX_TRIALS} combinations, got {points}")
        for name, (low, high) in self.ranges.items():
            if low >= high:
                raise ValueError(f"ranges.{name}: low must be below high")
        return self


class TrialOut(BaseModel):
    params: dict[str, Any]
    score: float | None
    metrics: dict[str, Any]
    error: str | None


class FoldOut(BaseModel):
    in_sample: tuple[str, str]
    out_of_sample: tuple[str, str]
    params: dict[str, Any]
    in_score: float | None
    out_score: float | None


class WalkForwardOut(BaseModel):
    folds: list[FoldOut]
    equity: list[tuple[str, float]] = Field(description="out-of-sample equity, stitched")
    in_score: float | None
    out_score: float | None
    diverges: bool = Field(description="out-of-sample below half of in-sample: likely overfit")


class SearchJobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    created_at: datetime
    request: SearchIn
    done: int = 0
    total: int = 0
    trials: list[TrialOut] = Field(default_factory=list)
    best: TrialOut | None = None
    walk_forward: WalkForwardOut | None = None
    error: str | None = None
