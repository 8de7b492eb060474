"""The history cache: bars fetched once (Alpaca, simulated market or CSV) and what was covered.

PostgreSQL rather than Parquet files: it is already deployed, backed up and in every test; a
symbol's ten years of daily bars (2,500 rows) read back by primary key in milliseconds, and the
coverage bookkeeping is transactional with the bars it describes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, IdMixin


class HistoryBarRecord(Base):
    __tablename__ = "history_bars"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    timeframe: Mapped[str] = mapped_column(String(8), primary_key=True)
    adjustment: Mapped[str] = mapped_column(String(8), primary_key=True)
    time: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    open: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    low: Mapped[float] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    volume: Mapped[float] = mapped_column(Float)


class HistoryCoverageRecord(IdMixin, Base):
    """One fetched range [start, end): bars inside it are cached, even if there were none."""

    __tablename__ = "history_coverage"
    __table_args__ = (Index("ix_history_coverage_key", "symbol", "timeframe", "adjustment"),)

    symbol: Mapped[str] = mapped_column(String(32))
    timeframe: Mapped[str] = mapped_column(String(8))
    adjustment: Mapped[str] = mapped_column(String(8))
    source: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime]
    end: Mapped[datetime]
    fetched_at: Mapped[datetime] = mapped_column(server_default=func.now())
