"""The history cache: what it holds, and filling it from Alpaca (or the simulated market)."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import UploadFile

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.api.validation import invalid
from app.backtest import DataError, load_csv
from app.core.errors import ApiError
from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN, TIMEFRAME_PATTERN, bar_length
from app.models.audit import add_audit
from app.research.history import HistoryCache, MissingHistory
from app.research.sources import HistoryError, history_source
from app.schemas.errors import error_responses
from app.schemas.history import CoverageOut, HistoryFetchIn, HistoryFetchOut, HistoryImportOut
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


_ADJUSTMENTS = ("raw", "all", "split", "dividend")
_ONE_ADJUSTMENT = rf"^({'|'.join(_ADJUSTMENTS)})$"
_IMPORT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["symbol", "file"],
                    "properties": {
                        "symbol": {"type": "string", "pattern": SYMBOL_PATTERN},
                        "timeframe": {"type": "string", "pattern": TIMEFRAME_PATTERN},
                        "adjustment": {"type": "string", "enum": list(_ADJUSTMENTS)},
                        "file": {"type": "string", "format": "binary", "description": "CSV bars"},
                    },
                }
            }
        },
    }
}


def _form_text(value: Any, field: str, pattern: str, default: str | None = None) -> str:
    text = value.strip() if isinstance(value, str) else default
    if text is None or not re.match(pattern, text):
        raise invalid(field, f"required, matching {pattern}")
    return text


@router.post("/import", responses=error_responses(400, 401, 415, 422), openapi_extra=_IMPORT_FORM)
async def import_csv(
    request: Request, cache: CacheDep, user: CurrentUser, session: SessionDep
) -> HistoryImportOut:
    """Stores a CSV of one symbol's bars (time, open, high, low, close, volume) in the history
    cache, checked row by row like a backtest's upload, so offline users bring their own."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "Send the CSV as multipart/form-data.")
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise invalid("file", "attach the CSV as a file field named 'file'")
    symbol = _form_text(form.get("symbol"), "symbol", SYMBOL_PATTERN).upper()
    if len(symbol) > SYMBOL_MAX_LENGTH:
        raise invalid("symbol", f"at most {SYMBOL_MAX_LENGTH} characters")
    timeframe = _form_text(form.get("timeframe"), "timeframe", TIMEFRAME_PATTERN, "1Day")
    adjustment = _form_text(form.get("adjustment"), "adjustment", _ONE_ADJUSTMENT, "raw")
    try:
        frame = await asyncio.to_thread(load_csv, await upload.read(), symbol)
    except DataError as error:
        raise invalid("file", str(error)) from None
    try:
        end = frame.time_at(-1) + bar_length(timeframe)
    except OverflowError:
        raise invalid("timeframe", "the last bar plus one bar ends after the year 9999") from None
    stored = await cache.import_frame(frame, timeframe, adjustment)
    out = HistoryImportOut(
        symbol=symbol,
        timeframe=timeframe,
        adjustment=adjustment,
        stored=stored,
        start=frame.time_at(0),
        end=end,
    )
    add_audit(session, user, "history_import", "history", symbol, after=out.model_dump(mode="json"))
    await session.commit()
    return out


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
