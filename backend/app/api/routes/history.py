"""The history cache: what it holds, and filling it from Alpaca (or the simulated market)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.api.validation import invalid
from app.core.errors import ApiError
from app.models.audit import add_audit
from app.research.history import HistoryCache, MissingHistory
from app.research.sources import HistoryError, history_source
from app.schemas.errors import error_responses
from app.schemas.history import CoverageOut, HistoryFetchIn, HistoryFetchOut
from app.strategies import BarFrame

router = APIRouter(prefix="/history", tags=["history"])


def get_cache(request: Request, settings: SettingsDep) -> HistoryCache:
    return HistoryCache(request.app.state.sessions, history_source(settings))


CacheDep = Annotated[HistoryCache, Depends(get_cache)]


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


@router.get("/coverage", responses=error_responses(401))
async def coverage(cache: CacheDep) -> list[CoverageOut]:
    """Per symbol, timeframe and adjustment: bars held and the date ranges fetched."""
    return [CoverageOut.model_validate(row, from_attributes=True) for row in await cache.coverage()]


@router.post("/fetch", responses=error_responses(400, 401, 422, 502))
async def fetch(
    body: HistoryFetchIn, cache: CacheDep, user: CurrentUser, session: SessionDep
) -> HistoryFetchOut:
    """Fetches what the cache lacks of the range; a repeat of a cached range makes no request."""
    try:
        start, end = day_start(body.start), day_start(body.end)
        report = await cache.ensure(body.symbols, body.timeframe, start, end, body.adjustment)
    except HistoryError as exc:
        raise ApiError(502, "history_unavailable", str(exc)) from None
    add_audit(session, user, "history_fetch", "history", None, after=body.model_dump(mode="json"))
    await session.commit()
    return HistoryFetchOut(
        source=cache.source.name, requested=report.requested, stored=report.stored
    )


async def cached_frames(cache: HistoryCache, wanted: HistoryFetchIn) -> list[BarFrame]:
    """The cached bars of each symbol, or a 422 naming what to fetch first."""
    start, end = day_start(wanted.start), day_start(wanted.end)
    try:
        return [
            await cache.frame(symbol, wanted.timeframe, start, end, wanted.adjustment)
            for symbol in wanted.symbols
        ]
    except MissingHistory as exc:
        raise invalid("data.symbols", str(exc)) from None
