"""Risk settings: read them, replace them (every field validated against its bounds)."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.deps import CurrentUser, SessionDep
from app.engine.risk_gate import load_risk_settings, save_risk_settings
from app.risk import RiskSettings
from app.schemas.errors import error_responses

router = APIRouter(prefix="/risk", tags=["risk"])


@router.get("", responses=error_responses(401))
async def get_risk(session: SessionDep) -> RiskSettings:
    return await load_risk_settings(session)


@router.put("", responses=error_responses(400, 401, 422))
async def put_risk(body: RiskSettings, session: SessionDep, user: CurrentUser) -> RiskSettings:
    """Takes effect with the engine's next batch of signals."""
    save_risk_settings(session, await load_risk_settings(session), body, user)
    await session.commit()
    return body
