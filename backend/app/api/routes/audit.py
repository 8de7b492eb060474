"""The audit trail: who changed what, and every difference reconciliation corrected."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.api.deps import ReadSessionDep
from app.api.paging import Limit, Offset, fetch_page
from app.models import AuditRecord
from app.schemas.errors import error_responses
from app.schemas.trading import AuditOut, Page

router = APIRouter(prefix="/audit", tags=["audit"])

NameFilter = Annotated[str | None, Query(min_length=1, max_length=64)]


@router.get("", responses=error_responses(401, 422))
async def list_audit(
    session: ReadSessionDep,
    actor: NameFilter = None,
    action: NameFilter = None,
    entity: NameFilter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditOut]:
    filters = [
        column == value
        for column, value in (
            (AuditRecord.actor, actor),
            (AuditRecord.action, action),
            (AuditRecord.entity, entity),
        )
        if value is not None
    ]
    order_by = (AuditRecord.id.desc(),)
    return await fetch_page(session, AuditRecord, AuditOut, filters, order_by, limit, offset)
