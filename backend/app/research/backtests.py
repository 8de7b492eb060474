"""Backtests as background jobs; their state lives in Redis so any process can report it."""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from datetime import UTC, datetime

import numpy as np
from pydantic import ValidationError
from redis.asyncio import Redis

from app.backtest import DataError, load_csv, run
from app.backtest.report import table
from app.marketdata.base import parse_timeframe
from app.marketdata.simulated import SimulatedMarket
from app.schemas.backtests import (
    MAX_CHART_BARS,
    BacktestIn,
    BacktestJobOut,
    BacktestResultOut,
    ChartBarOut,
    SimulatedData,
)
from app.strategies import BarFrame, build
from app.strategies.frame import to_datetime

logger = logging.getLogger(__name__)

KEY = "trading-bot:backtest:{}"
KEEP_SECONDS = 7 * 24 * 3600
_ORIGIN = datetime(2025, 1, 2, 14, 30, tzinfo=UTC)  # simulated history starts here, always


def simulated_frame(data: SimulatedData) -> BarFrame:
    market = SimulatedMarket(
        seed=data.seed, origin=_ORIGIN, interval=parse_timeframe(data.timeframe)
    )
    bars = market.bars(data.symbol.upper())
    return BarFrame.from_bars([next(bars) for _ in range(data.bars)])


class BacktestJobs:
    """Starts jobs in this process (one at a time) and reads any job from Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._one_at_a_time = asyncio.Semaphore(1)
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(
        self, spec: BacktestIn, csv: bytes | None = None, frames: list[BarFrame] | None = None
    ) -> BacktestJobOut:
        """Runs on the uploaded CSV, on frames already read (the history cache), or on the
        simulated market the spec names."""
        job = BacktestJobOut(
            id=uuid.uuid4().hex, status="queued", created_at=datetime.now(UTC), spec=spec
        )
        await self._save(job)
        task = asyncio.create_task(self._run(job, csv, frames), name=f"backtest-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def get(self, job_id: str) -> BacktestJobOut | None:
        raw = await self._redis.get(KEY.format(job_id))
        return BacktestJobOut.model_validate_json(raw) if raw else None

    async def _run(
        self, job: BacktestJobOut, csv: bytes | None, frames: list[BarFrame] | None
    ) -> None:
        async with self._one_at_a_time:
            await self._save(job.model_copy(update={"status": "running"}))
            try:
                result = await asyncio.to_thread(_backtest, job.spec, csv, frames)
                done = job.model_copy(update={"status": "done", "result": result})
            except (DataError, KeyError, ValueError, ValidationError) as exc:
                done = job.model_copy(update={"status": "failed", "error": str(exc)[:2000]})
            except Exception as exc:
                logger.exception("backtest %s crashed", job.id)
                done = job.model_copy(
                    update={"status": "failed", "error": f"internal error: {exc}"[:2000]}
                )
            await self._save(done.model_copy(update={"finished_at": datetime.now(UTC)}))

    async def _save(self, job: BacktestJobOut) -> None:
        await self._redis.set(KEY.format(job.id), job.model_dump_json(), ex=KEEP_SECONDS)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


def _backtest(
    spec: BacktestIn, csv: bytes | None, frames: list[BarFrame] | None = None
) -> BacktestResultOut:
    if frames is None and spec.upload is not None and csv is not None:
        frames = [load_csv(csv, spec.upload.symbol)]
    elif frames is None:
        data = spec.data if isinstance(spec.data, SimulatedData) else SimulatedData()
        frames = [simulated_frame(data)]
    result = run(build(spec.strategy, spec.params), frames, spec.config)
    return BacktestResultOut(
        **result.to_dict(),
        report=table(result),
        bars={frame.symbol: chart_bars(frame) for frame in frames},
    )


def chart_bars(frame: BarFrame, limit: int = MAX_CHART_BARS) -> list[ChartBarOut]:
    """The frame as at most limit candles, so a long run still charts end to end."""
    step = max(1, math.ceil(len(frame) / limit))
    starts = np.arange(0, len(frame), step)
    ends = np.minimum(starts + step, len(frame)) - 1
    highs = np.maximum.reduceat(frame.high, starts)
    lows = np.minimum.reduceat(frame.low, starts)
    return [
        ChartBarOut(
            time=to_datetime(frame.time[start]),
            open=float(frame.open[start]),
            high=float(high),
            low=float(low),
            close=float(frame.close[end]),
        )
        for start, end, high, low in zip(starts, ends, highs, lows, strict=True)
    ]
