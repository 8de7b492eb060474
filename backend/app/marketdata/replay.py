"""Bars played back from a CSV file or the simulated market, at a chosen speed.

The replay starts at `start`: `history` serves only bars before it (never the future it is
about to play) and `stream` plays the bars from it on, pacing them so that `speed` bar-time
seconds pass per wall-clock second (60 plays one-minute bars at one per second; 0 plays as fast
as the consumer reads). Gaps in a file (nights, weekends) play like a single bar.
"""

from __future__ import annotations

import asyncio
import csv
import heapq
import itertools
import logging
import time as wallclock
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from app.domain import Bar
from app.marketdata.base import MarketData, parse_timeframe
from app.marketdata.simulated import SimulatedMarket

logger = logging.getLogger(__name__)

CSV_COLUMNS = ("symbol", "time", "open", "high", "low", "close", "volume")


class BarSource(Protocol):
    """Time-ordered bars per symbol at a fixed interval."""

    label: str
    interval: timedelta

    def bars(self, symbol: str) -> Iterator[Bar]:
        """Every bar of `symbol`, oldest first."""
        ...


class CsvBars:
    """Bars read from a CSV with the columns in `CSV_COLUMNS` (time in ISO 8601, UTC if naive)."""

    label = "replay"

    def __init__(self, path: Path, interval: timedelta = timedelta(minutes=1)) -> None:
        self.interval = interval
        self._bars: dict[str, list[Bar]] = {}
        with path.open(newline="") as handle:
            reader = csv.DictReader(handle)
            missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for line, row in enumerate(reader, start=2):
                bar = _parse_row(row, f"{path}:{line}")
                self._bars.setdefault(bar.symbol, []).append(bar)
        for bars in self._bars.values():
            bars.sort(key=lambda b: b.time)

    @property
    def symbols(self) -> list[str]:
        """Symbols the file has bars for."""
        return sorted(self._bars)

    def bars(self, symbol: str) -> Iterator[Bar]:
        """Every bar of `symbol` in the file, oldest first (none for an unknown symbol)."""
        return iter(self._bars.get(symbol, []))


def _parse_row(row: Mapping[str, str], where: str) -> Bar:
    try:
        stamp = datetime.fromisoformat(row["time"])
        prices = [float(row[c]) for c in ("open", "high", "low", "close", "volume")]
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    open_, high, low, close, volume = prices
    if not low <= min(open_, close) <= max(open_, close) <= high:
        raise ValueError(f"{where}: need low <= open, close <= high, got {row}")
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return Bar(row["symbol"].strip().upper(), stamp, open_, high, low, close, volume)


class ReplayMarketData(MarketData):
    """Plays a `BarSource` from `start` on; history ends where the replay stands.

    A later `stream()` call (say, for a new symbol set) continues after the newest bar already
    played instead of starting over, so a running replay never goes back in time.
    """

    def __init__(self, source: BarSource, *, start: datetime, speed: float = 60.0) -> None:
        if speed < 0:
            raise ValueError(f"speed must be >= 0 (0 = as fast as possible), got {speed}")
        if start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware (UTC), got {start!r}")
        self.source = source.label
        self._bars = source
        self._start = start
        self._speed = speed
        self._played_until: datetime | None = None  # newest bar any stream has yielded

    @classmethod
    def simulated(
        cls,
        *,
        seed: int = 42,
        speed: float = 60.0,
        start: datetime | None = None,
        warmup_bars: int = 500,
        interval: timedelta = timedelta(minutes=1),
        start_prices: Mapping[str, float] | None = None,
    ) -> ReplayMarketData:
        """The simulated market, starting now (or at `start`) with `warmup_bars` of history."""
        if warmup_bars < 0:
            raise ValueError(f"warmup_bars must be >= 0, got {warmup_bars}")
        now = start or datetime.now(UTC).replace(second=0, microsecond=0)
        market = SimulatedMarket(
            seed=seed,
            origin=now - warmup_bars * interval,
            interval=interval,
            start_prices=start_prices,
        )
        logger.info("market data: SIMULATED prices (seed %d, speed x%g)", seed, speed)
        return cls(market, start=now, speed=speed)

    @classmethod
    def from_csv(
        cls,
        path: Path,
        *,
        speed: float = 60.0,
        start: datetime | None = None,
        timeframe: str = "1Min",
        warmup_bars: int = 0,
    ) -> ReplayMarketData:
        """Bars from a CSV file; the replay starts at `start`, or `warmup_bars` into the file."""
        if warmup_bars < 0:
            raise ValueError(f"warmup_bars must be >= 0, got {warmup_bars}")
        bars = CsvBars(path, parse_timeframe(timeframe))
        first = min((next(bars.bars(s)).time for s in bars.symbols), default=None)
        if first is None:
            raise ValueError(f"{path}: no bars")
        return cls(bars, start=start or first + warmup_bars * bars.interval, speed=speed)

    async def history(
        self, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> list[Bar]:
        if parse_timeframe(timeframe) != self._bars.interval:
            raise ValueError(
                f"timeframe {timeframe!r} does not match the replayed bars "
                f"({self._bars.interval}); resampling is not supported"
            )
        limit = (
            self._start if self._played_until is None else self._played_until + self._bars.interval
        )
        end = min(end, limit)
        return [
            b
            for b in itertools.takewhile(lambda b: b.time < end, self._bars.bars(symbol))
            if b.time >= start
        ]

    async def stream(self, symbols: Sequence[str]) -> AsyncIterator[Bar]:
        if not symbols:
            raise ValueError("stream needs at least one symbol")
        resume = (
            self._start if self._played_until is None else self._played_until + timedelta.resolution
        )
        playing = [
            itertools.dropwhile(lambda b: b.time < resume, self._bars.bars(s)) for s in symbols
        ]
        began = wallclock.monotonic()
        played = timedelta(0)  # bar time elapsed, with gaps squeezed to one interval
        previous: datetime | None = None
        for bar in heapq.merge(*playing, key=lambda b: b.time):
            if previous is not None and bar.time > previous:
                played += min(bar.time - previous, self._bars.interval)
            previous = bar.time
            wait = 0.0
            if self._speed:
                due = began + played.total_seconds() / self._speed
                wait = max(0.0, due - wallclock.monotonic())
            await asyncio.sleep(wait)
            if self._played_until is None or bar.time > self._played_until:
                self._played_until = bar.time
            yield bar
