"""The trading account as the broker reports it."""

from __future__ import annotations

from fastapi import APIRouter

from app.api.engine_deps import EngineDep
from app.schemas.errors import error_responses
from app.schemas.trading import AccountOut
from app.services.broker_errors import broker_call

router = APIRouter(prefix="/account", tags=["account"])


@router.get("", responses=error_responses(401, 503))
async def get_account(engine: EngineDep) -> AccountOut:
    return await broker_call(engine.account(), "account")
