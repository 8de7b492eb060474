"""Backtest jobs: what was asked, how far it got, and the result the CLI would print."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from app.backtest import BacktestConfig
from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN, InputModel
from app.schemas.history import HistoryFetchIn

JobStatus = Literal["queued", "running", "done", "failed"]


class SimulatedData(InputModel):
    """Bars from the seeded simulated market: always there, the same on every machine."""

    model_config = ConfigDict(extra="forbid")

    source: Literal["simulated"] = Field("simulated", description="where the bars come from")
    symbol: str = Field("SIMA", min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)
    bars: int = Field(2_000, ge=50, le=50_000)
    seed: int = Field(42, ge=0, le=2**31 - 1)
    timeframe: Literal["1Min", "5Min", "15Min", "1Hour", "1Day"] = "1Min"


class HistoryData(HistoryFetchIn):
    """Bars from the history cache (fill it first: POST /api/history/fetch)."""

    source: Literal["history"]


def _source(value: Any) -> str:
    """Requests without a source mean the simulated market, as before sources existed."""
    if isinstance(value, dict):
        return str(value.get("source", "simulated"))
    return str(getattr(value, "source", "simulated"))


DataSpec = Annotated[
    Annotated[SimulatedData, Tag("simulated")] | Annotated[HistoryData, Tag("history")],
    Discriminator(_source),
]


class UploadedData(BaseModel):
    """A CSV sent with the request (multipart field `file`)."""

    filename: str
    symbol: str


class BacktestIn(InputModel):
    """A backtest request as JSON; for a CSV of your own, send multipart/form-data instead."""

    model_config = ConfigDict(extra="forbid")

    strategy: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)
    config: BacktestConfig = Field(default_factory=BacktestConfig)
    data: DataSpec | None = Field(
        default_factory=SimulatedData,
        description="bars from the simulated market (source simulated) or the history cache",
    )
    upload: UploadedData | None = Field(
        default=None, description="set by the server for a multipart CSV upload"
    )


MAX_CHART_BARS = 5_000


class ChartBarOut(BaseModel):
    """One candle of the bars a backtest ran on; time is the bar's open time."""

    time: datetime
    open: float
    high: float
    low: float
    close: float


class BacktestResultOut(BaseModel):
    strategy: str
    params: dict[str, Any]
    symbols: list[str]
    config: dict[str, Any]
    metrics: dict[str, Any]
    trades: list[dict[str, Any]]
    fills: list[dict[str, Any]] = Field(
        default_factory=list,
        description="every fill in time order; an order fills in parts under a volume cap",
    )
    equity_curve: list[dict[str, Any]]
    rejected_signals: list[dict[str, Any]]
    report: str = Field(description="the summary the backtest CLI prints")
    bars: dict[str, list[ChartBarOut]] = Field(
        default_factory=dict,
        description=(
            f"the bars backtested, by symbol, oldest first, for a candle chart; at most "
            f"{MAX_CHART_BARS} per symbol: longer runs merge each k consecutive bars into one "
            "candle (open of the first, high/low over all, close of the last)"
        ),
    )


class BacktestJobOut(BaseModel):
    id: str
    status: JobStatus
    created_at: datetime
    finished_at: datetime | None = None
    spec: BacktestIn
    error: str | None = None
    result: BacktestResultOut | None = None
