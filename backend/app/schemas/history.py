"""The history cache as the API shows it, and a request to fill it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN, TIMEFRAME_PATTERN, bar_length

MAX_BARS = 40_000  # per request over all symbols, e.g. 10 symbols x 10 years of daily bars

Symbol = Annotated[str, Field(min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)]


class HistoryFetchIn(BaseModel):
    """Symbols, timeframe and days [start, end) of cached bars."""

    model_config = ConfigDict(extra="forbid")

    symbols: list[Symbol] = Field(min_length=1, max_length=100)
    start: date
    end: date = Field(description="the day after the last one")
    timeframe: str = Field("1Day", pattern=TIMEFRAME_PATTERN)
    adjustment: Literal["all", "split", "dividend", "raw"] = Field(
        "all", description="split- and dividend-adjusted by default; raw as traded on request"
    )

    @model_validator(mode="after")
    def _ordered(self) -> HistoryFetchIn:
        if self.start >= self.end:
            raise ValueError("end: must be after start")
        bars = (self.end - self.start) / bar_length(self.timeframe) * len(self.symbols)
        if bars > MAX_BARS:
            raise ValueError(
                f"at most {MAX_BARS:,} bars a request ({bars:,.0f} asked): fewer symbols or days"
            )
        return self


class HistoryFetchOut(BaseModel):
    source: str = Field(description="alpaca, or simulated when no keys are set")
    requested: int = Field(description="ranges asked of the source; 0 when all were cached")
    stored: int


class CoverageOut(BaseModel):
    symbol: str
    timeframe: str
    adjustment: str
    bars: int
    ranges: list[tuple[datetime, datetime]]
    sources: list[str]


class HistoryImportOut(BaseModel):
    symbol: str
    timeframe: str
    adjustment: str
    stored: int = Field(description="bars of the file; one already cached at its time is kept")
    start: datetime = Field(description="first bar's time")
    end: datetime = Field(description="end of the last bar: the covered range is [start, end)")
