"""Equity over time, for the chart."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from app.api.deps import SessionDep
from app.models import EquityPointRecord
from app.schemas.errors import error_responses
from app.schemas.trading import EquityPointOut

router = APIRouter(prefix="/equity", tags=["equity"])


def equity_point_out(point: EquityPointRecord) -> EquityPointOut:
    return EquityPointOut.model_validate(point)


@router.get("", responses=error_responses(401, 422))
async def equity_history(
    session: SessionDep,
    since: Annotated[datetime | None, Query(description="ISO time; oldest point to return")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 2_000,
) -> list[EquityPointOut]:
    """The newest `limit` points (since `since`), oldest first."""
    query = select(EquityPointRecord)
    if since is not None:
        query = query.where(EquityPointRecord.time >= since)
    rows = list(await session.scalars(query.order_by(EquityPointRecord.time.desc()).limit(limit)))
    return [equity_point_out(row) for row in reversed(rows)]
