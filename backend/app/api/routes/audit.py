"""The audit trail: who changed what, and every difference reconciliation corrected."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from app.api.deps import SessionDep
from app.models import AuditEntry
from app.schemas.errors import error_responses
from app.schemas.trading import AuditOut, Page
from app.services.paging import Limit, Offset

router = APIRouter(prefix="/audit", tags=["audit"])

NameFilter = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("", responses=error_responses(401, 422))
async def list_audit(
    session: SessionDep,
    actor: NameFilter = None,
    action: NameFilter = None,
    entity: NameFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditOut]:
    query = select(AuditEntry)
    for column, value in (
        (AuditEntry.actor, actor),
        (AuditEntry.action, action),
        (AuditEntry.entity, entity),
    ):
        if value is not None:
            query = query.where(column == value)
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    items = [AuditOut.model_validate(row) for row in rows]
    return Page(items=items, total=total or 0, limit=limit, offset=offset)
