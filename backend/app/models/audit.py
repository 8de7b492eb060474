"""One way to write the audit trail, so every actor's entries look alike."""

from __future__ import annotations

from typing import Any

from fastapi.encoders import jsonable_encoder
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.control import AuditRecord


def add_audit(
    session: AsyncSession,
    actor: str,
    action: str,
    entity: str,
    entity_id: str | int | None = None,
    *,
    before: Any = None,
    after: Any = None,
    message: str | None = None,
) -> AuditRecord:
    """Stage an audit row in the caller's transaction, so it commits with the change."""
    entry = AuditRecord(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=None if before is None else jsonable_encoder(before),
        after=None if after is None else jsonable_encoder(after),
        message=message,
    )
    session.add(entry)
    return entry
