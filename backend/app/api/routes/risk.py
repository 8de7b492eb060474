"""Risk settings: read them, replace them (every field validated against its bounds)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep
from app.engine.risk_gate import load_risk_settings
from app.models import RiskSettingsRecord
from app.risk import RiskSettings
from app.schemas.errors import error_responses
from app.services.audit import add_audit

router = APIRouter(prefix="/risk", tags=["risk"])


@router.get("", responses=error_responses(401))
async def get_risk(session: SessionDep) -> RiskSettings:
    return await load_risk_settings(session)


@router.put("", responses=error_responses(400, 401, 422))
async def put_risk(body: RiskSettings, session: SessionDep, user: CurrentUser) -> RiskSettings:
    """Takes effect with the engine's next batch of signals."""
    before = await load_risk_settings(session)
    session.add(RiskSettingsRecord(settings=body.model_dump(mode="json"), updated_by=user))
    add_audit(
        session,
        user,
        "risk_update",
        "risk_settings",
        before=before.model_dump(mode="json"),
        after=body.model_dump(mode="json"),
    )
    await session.commit()
    return body
