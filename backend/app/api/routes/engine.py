"""Engine status, start, stop and the kill switch."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from app.api.deps import CurrentUser
from app.api.engine_deps import EngineDep
from app.engine.status import EngineStatus, KillOutcome
from app.schemas.engine import EngineControlIn, EngineStatusOut, KillOut
from app.schemas.errors import error_responses

router = APIRouter(prefix="/engine", tags=["engine"])


def engine_status_out(status: EngineStatus) -> EngineStatusOut:
    return EngineStatusOut.model_validate(status, from_attributes=True)


def kill_result_out(outcome: KillOutcome) -> KillOut:
    return KillOut(**engine_status_out(outcome.status).model_dump(), **asdict(outcome.report))


@router.get("", responses=error_responses(401))
async def engine_status(engine: EngineDep) -> EngineStatusOut:
    return engine_status_out(await engine.status())


@router.post("/start", responses=error_responses(401))
async def start_engine(engine: EngineDep, user: CurrentUser) -> EngineStatusOut:
    """Ask for trading; the process that takes the leader lock starts within a second."""
    return engine_status_out(await engine.request(running=True, user=user))


@router.post("/stop", responses=error_responses(401))
async def stop_engine(engine: EngineDep, user: CurrentUser) -> EngineStatusOut:
    return engine_status_out(await engine.request(running=False, user=user))


@router.post("/kill", responses=error_responses(400, 401, 422))
async def kill_switch(engine: EngineDep, user: CurrentUser, body: EngineControlIn) -> KillOut:
    """Disable every strategy, cancel every open order and, with flatten, close every position.
    The body must say `{"confirm": "kill"}`: an empty or stray POST does nothing."""
    return kill_result_out(await engine.kill(user, flatten=body.flatten))
