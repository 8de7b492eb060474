"""The history cache: fetch only ranges not yet stored, then read bars back without a request."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain import Bar, bar_length
from app.models import HistoryBarRecord, HistoryCoverageRecord
from app.research.sources import AdjustmentName, HistorySource
from app.strategies import BarFrame

logger = logging.getLogger(__name__)

Range = tuple[datetime, datetime]
Progress = Callable[[str, int, int], None]  # (what, done, total)


class MissingHistory(LookupError):
    """The cache does not hold the range asked for."""


def merge(ranges: Sequence[Range]) -> list[Range]:
    """Overlapping or touching ranges joined, in order."""
    out: list[Range] = []
    for start, end in sorted(ranges):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def missing(covered: Sequence[Range], start: datetime, end: datetime) -> list[Range]:
    """The parts of [start, end) that no covered range holds."""
    gaps: list[Range] = []
    cursor = start
    for lo, hi in merge(covered):
        if hi <= cursor or lo >= end:
            continue
        if lo > cursor:
            gaps.append((cursor, lo))
        cursor = max(cursor, hi)
    if cursor < end:
        gaps.append((cursor, end))
    return gaps


@dataclass(frozen=True)
class Coverage:
    symbol: str
    timeframe: str
    adjustment: str
    bars: int
    ranges: list[Range]
    sources: list[str]


@dataclass(frozen=True)
class FetchReport:
    requested: int  # ranges asked of the source
    stored: int  # bars written


class HistoryCache:
    """Bars per (symbol, timeframe, adjustment) in PostgreSQL, filled from one HistorySource."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], source: HistorySource) -> None:
        self._sessions = sessions
        self.source = source

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self._sessions

    async def _covered(
        self, session: AsyncSession, symbol: str, timeframe: str, adjustment: str
    ) -> list[Range]:
        rows = await session.execute(
            select(HistoryCoverageRecord.start, HistoryCoverageRecord.end).where(
                HistoryCoverageRecord.symbol == symbol,
                HistoryCoverageRecord.timeframe == timeframe,
                HistoryCoverageRecord.adjustment == adjustment,
            )
        )
        return merge([(a, b) for a, b in rows.all()])

    async def ensure(
        self,
        symbols: Sequence[str],
        timeframe: str,
        start: datetime,
        end: datetime,
        adjustment: AdjustmentName = "all",
        progress: Progress | None = None,
    ) -> FetchReport:
        """Fetches what the cache lacks of [start, end) for each symbol; one request per gap,
        shared by the symbols that lack the same gap."""
        if start >= end:
            raise ValueError("start must be before end")
        bar_length(timeframe)  # validates
        by_gaps: dict[tuple[Range, ...], list[str]] = defaultdict(list)
        async with self._sessions() as session:
            for symbol in dict.fromkeys(s.upper() for s in symbols):
                covered = await self._covered(session, symbol, timeframe, adjustment)
                gaps = missing(covered, start, end)
                if gaps:
                    by_gaps[tuple(gaps)].append(symbol)
        jobs = [(gap, group) for gaps, group in by_gaps.items() for gap in gaps]
        stored = 0
        for done, ((lo, hi), group) in enumerate(jobs, start=1):
            fetched = await asyncio.to_thread(
                self.source.bars, group, timeframe, lo, hi, adjustment
            )
            stored += await self._store(fetched, group, timeframe, adjustment, lo, hi)
            if progress:
                progress(f"{','.join(group)} {lo:%Y-%m-%d}..{hi:%Y-%m-%d}", done, len(jobs))
        return FetchReport(requested=len(jobs), stored=stored)

    async def _store(
        self,
        fetched: dict[str, list[Bar]],
        symbols: Sequence[str],
        timeframe: str,
        adjustment: str,
        start: datetime,
        end: datetime,
        source: str | None = None,
    ) -> int:
        rows = [
            {
                "symbol": symbol,
                "timeframe": timeframe,
                "adjustment": adjustment,
                "time": bar.time,
                "source": source or self.source.name,
                "open": bar.open,
                "high": bar.high,
                "low": bar.low,
                "close": bar.close,
                "volume": bar.volume,
            }
            for symbol in symbols
            for bar in fetched.get(symbol, [])
        ]
        async with self._sessions() as session:
            if rows:  # executemany: SQLAlchemy batches the VALUES under asyncpg's limits
                await session.execute(insert(HistoryBarRecord).on_conflict_do_nothing(), rows)
            for symbol in symbols:
                session.add(
                    HistoryCoverageRecord(
                        symbol=symbol,
                        timeframe=timeframe,
                        adjustment=adjustment,
                        source=source or self.source.name,
                        start=start,
                        end=end,
                    )
                )
            await session.commit()
        return len(rows)

    async def import_frame(
        self, frame: BarFrame, timeframe: str, adjustment: str = "raw", source: str = "csv"
    ) -> int:
        """Stores a CSV's bars as history, covering its first bar to the end of its last; the
        adjustment is what the file holds (raw prices unless its author adjusted them)."""
        if not len(frame):
            return 0
        bars = frame.to_bars()
        end = bars[-1].time + bar_length(timeframe)
        return await self._store(
            {frame.symbol: bars}, [frame.symbol], timeframe, adjustment, bars[0].time, end, source
        )

    async def frame(
        self,
        symbol: str,
        timeframe: str,
        start: datetime,
        end: datetime,
        adjustment: AdjustmentName = "all",
    ) -> BarFrame:
        """The cached bars of [start, end); MissingHistory when a part was never fetched."""
        symbol = symbol.upper()
        async with self._sessions() as session:
            gaps = missing(await self._covered(session, symbol, timeframe, adjustment), start, end)
            if gaps:
                lo, hi = gaps[0]
                raise MissingHistory(
                    f"no cached {timeframe} bars ({adjustment}) of {symbol} for "
                    f"{lo:%Y-%m-%d}..{hi:%Y-%m-%d}: fetch them first"
                )
            rows = await session.execute(
                select(HistoryBarRecord)
                .where(
                    HistoryBarRecord.symbol == symbol,
                    HistoryBarRecord.timeframe == timeframe,
                    HistoryBarRecord.adjustment == adjustment,
                    HistoryBarRecord.time >= start,
                    HistoryBarRecord.time < end,
                )
                .order_by(HistoryBarRecord.time)
            )
            bars = [
                Bar(symbol, r.time, r.open, r.high, r.low, r.close, r.volume)
                for r in rows.scalars()
            ]
        if not bars:
            raise MissingHistory(f"the cache holds no {timeframe} bars of {symbol} in that range")
        return BarFrame.from_bars(bars)

    async def with_warmup(
        self, symbol: str, timeframe: str, start: datetime, end: datetime, warmup: int
    ) -> tuple[BarFrame, int]:
        """The raw bars of [start, end) (as a live engine saw them) after up to `warmup` cached
        bars before start, and how many of those there were; MissingHistory when [start, end)
        was never fetched or holds no bar."""
        symbol = symbol.upper()
        async with self._sessions() as session:
            covered = await self._covered(session, symbol, timeframe, "raw")
            if missing(covered, start, end) == [(start, end)]:  # a CSV may cover part of it
                raise MissingHistory(
                    f"no cached raw {timeframe} bars of {symbol} for {start:%Y-%m-%d}: fetch "
                    f"them first (history fetch {symbol} --start {start:%Y-%m-%d} "
                    f"--timeframe {timeframe} --adjustment raw)"
                )
            rows = HistoryBarRecord.symbol == symbol, HistoryBarRecord.timeframe == timeframe
            raw = HistoryBarRecord.adjustment == "raw"
            day = await session.scalars(
                select(HistoryBarRecord)
                .where(*rows, raw, HistoryBarRecord.time >= start, HistoryBarRecord.time < end)
                .order_by(HistoryBarRecord.time)
            )
            before = await session.scalars(
                select(HistoryBarRecord)
                .where(*rows, raw, HistoryBarRecord.time < start)
                .order_by(HistoryBarRecord.time.desc())
                .limit(warmup)
            )
            earlier, records = list(before)[::-1], list(day)
        if not records:
            raise MissingHistory(f"the cache holds no {timeframe} bars of {symbol} that day")
        bars = [
            Bar(symbol, r.time, r.open, r.high, r.low, r.close, r.volume) for r in earlier + records
        ]
        return BarFrame.from_bars(bars), len(earlier)

    async def coverage(self) -> list[Coverage]:
        """Per symbol, timeframe and adjustment: bars held and the merged ranges fetched."""
        async with self._sessions() as session:
            counts = await session.execute(
                select(
                    HistoryBarRecord.symbol,
                    HistoryBarRecord.timeframe,
                    HistoryBarRecord.adjustment,
                    func.count(),
                ).group_by(
                    HistoryBarRecord.symbol, HistoryBarRecord.timeframe, HistoryBarRecord.adjustment
                )
            )
            held = {(s, t, a): n for s, t, a, n in counts.all()}
            ranges = await session.execute(select(HistoryCoverageRecord))
            spans: dict[tuple[str, str, str], list[HistoryCoverageRecord]] = defaultdict(list)
            for row in ranges.scalars():
                spans[(row.symbol, row.timeframe, row.adjustment)].append(row)
        return [
            Coverage(
                symbol=s,
                timeframe=t,
                adjustment=a,
                bars=held.get((s, t, a), 0),
                ranges=merge([(r.start, r.end) for r in rows]),
                sources=sorted({r.source for r in rows}),
            )
            for (s, t, a), rows in sorted(spans.items())
        ]
