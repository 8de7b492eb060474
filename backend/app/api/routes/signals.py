"""Signals the strategies produced, with what became of each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from app.api.deps import SessionDep
from app.models import SignalRecord
from app.schemas.errors import error_responses
from app.schemas.trading import Page, SignalOut
from app.services.paging import Limit, Offset, SymbolFilter

router = APIRouter(prefix="/signals", tags=["signals"])


@router.get("", responses=error_responses(401, 422))
async def list_signals(
    session: SessionDep,
    symbol: SymbolFilter = None,
    strategy_instance_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    outcome: Annotated[str | None, Query(pattern=r"^(pending|ordered|rejected|ignored)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SignalOut]:
    query = select(SignalRecord)
    if symbol is not None:
        query = query.where(SignalRecord.symbol == symbol.upper())
    if strategy_instance_id is not None:
        query = query.where(SignalRecord.strategy_instance_id == strategy_instance_id)
    if outcome is not None:
        query = query.where(SignalRecord.outcome == outcome)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(SignalRecord.id.desc()).limit(limit).offset(offset))
    items = [SignalOut.model_validate(row) for row in rows]
    return Page(items=items, total=total or 0, limit=limit, offset=offset)
