"""Signals the strategies produced, with what became of each."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement

from app.api.deps import ReadSessionDep
from app.api.paging import Limit, Offset, SymbolFilter, fetch_page
from app.models import SignalRecord
from app.schemas.errors import error_responses
from app.schemas.trading import Page, RiskRejectionOut, SignalOut

router = APIRouter(prefix="/signals", tags=["signals"])


def signal_out(record: SignalRecord) -> SignalOut:
    return SignalOut.model_validate(record)


def risk_rejection_out(record: SignalRecord) -> RiskRejectionOut:
    """A signal the risk chain refused, as the live `risk_rejection` event tells it."""
    return RiskRejectionOut(
        signal_id=record.id,
        strategy_instance_id=record.strategy_instance_id,
        symbol=record.symbol,
        side=record.side,
        reason=record.rejection_reason or "",
        time=record.bar_time,
    )


@router.get("", responses=error_responses(401, 422))
async def list_signals(
    session: ReadSessionDep,
    symbol: SymbolFilter = None,
    strategy_instance_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    outcome: Annotated[str | None, Query(pattern=r"^(pending|ordered|rejected|ignored)$")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[SignalOut]:
    filters: list[ColumnElement[bool]] = []
    if symbol is not None:
        filters.append(SignalRecord.symbol == symbol.upper())
    if strategy_instance_id is not None:
        filters.append(SignalRecord.strategy_instance_id == strategy_instance_id)
    if outcome is not None:
        filters.append(SignalRecord.outcome == outcome)
    order_by = (SignalRecord.id.desc(),)
    return await fetch_page(session, SignalRecord, SignalOut, filters, order_by, limit, offset)
