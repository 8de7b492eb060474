"""Live vs backtest: replay one live day of a strategy instance through the backtester."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import ValidationError

from app.api.deps import SessionDep, SettingsDep
from app.api.routes.history import CacheDep, day_start
from app.api.routes.strategies import InstanceId
from app.api.validation import invalid
from app.backtest import BacktestConfig
from app.core.errors import ApiError
from app.engine.risk_gate import load_risk_settings
from app.models import StrategyInstanceRecord
from app.research.history import MissingHistory
from app.research.records import equity_before, live_signals
from app.research.replay import replay_day
from app.schemas.analytics import ReplayOut
from app.schemas.errors import error_responses
from app.strategies import build

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/strategies/instances", tags=["strategies"])

Day = Annotated[date, Query(description="UTC day to replay, e.g. 2026-03-02")]


@router.get("/{instance_id}/replay", responses=error_responses(401, 404, 422))
async def replay(
    instance_id: InstanceId, day: Day, session: SessionDep, settings: SettingsDep, cache: CacheDep
) -> ReplayOut:
    """The day's bars (raw, at the engine's timeframe, from the history cache) through the
    backtester with the instance's strategy and parameters, today's risk settings and the
    simulated market's costs, starting from the equity recorded before the day; each signal's
    live outcome (order, fill, rejection) beside the backtest's."""
    row = await session.get(StrategyInstanceRecord, instance_id)
    if row is None:
        raise ApiError(
            404, "instance_not_found", f"instance_id: no strategy instance {instance_id}."
        )
    if day > datetime.now(UTC).date():
        raise invalid("day", f"{day} is in the future; pick a day the engine has traded")
    try:
        strategy = build(row.strategy, row.params)
    except (KeyError, ValidationError) as exc:
        raise invalid("instance_id", f"the instance's strategy cannot be built: {exc}") from None
    start = day_start(day)
    end = start + timedelta(days=1)
    timeframe = settings.engine_timeframe
    try:
        frame, _ = await cache.with_warmup(row.symbol, timeframe, start, end, strategy.history)
    except MissingHistory as exc:
        raise invalid("day", str(exc)) from None
    config = BacktestConfig(
        cash=await equity_before(session, start) or settings.sim_initial_cash,
        slippage_bps=settings.sim_slippage_bps,
        commission_per_share=settings.sim_commission_per_share,
        allow_short=row.allow_short,
        risk=await load_risk_settings(session),
    )
    live = await live_signals(session, instance_id, start, end)
    result = await asyncio.to_thread(replay_day, strategy, frame, config, (start, end), live)
    logger.info("replayed instance %d on %s: agree=%s", instance_id, day, result.agree)
    return ReplayOut.model_validate(
        {
            "instance_id": instance_id,
            "day": day,
            "timeframe": timeframe,
            "agree": result.agree,
            **asdict(result),
        }
    )
