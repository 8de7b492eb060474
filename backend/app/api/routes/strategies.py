"""Available strategies and their instances: create, update, enable, disable, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.api.deps import CurrentUser, SessionDep
from app.api.engine_deps import EngineDep
from app.api.routes.health import strategy_file_problems
from app.api.validation import strategy_params
from app.core.errors import ApiError
from app.models import StrategyInstanceRecord
from app.models.audit import add_audit
from app.schemas.errors import error_responses
from app.schemas.health import StrategyFileProblemOut
from app.schemas.strategies import (
    StrategyInstanceCreate,
    StrategyInstanceOut,
    StrategyInstanceUpdate,
    StrategyOut,
)
from app.strategies import STRATEGIES

router = APIRouter(prefix="/strategies", tags=["strategies"])

InstanceId = Annotated[int, Path(ge=1, le=2**62)]


@router.get("", responses=error_responses(401))
async def list_strategies() -> list[StrategyOut]:
    return [
        StrategyOut(
            name=name,
            title=cls.title,
            description=(cls.__doc__ or "").strip() or None,
            params_schema=cls.params_schema(),
        )
        for name, cls in sorted(STRATEGIES.items())
    ]


@router.get("/problems", responses=error_responses(401))
async def list_strategy_file_problems() -> list[StrategyFileProblemOut]:
    """The user's strategy files (or classes in them) left out at start: file, line, reason."""
    return strategy_file_problems()


@router.get("/instances", responses=error_responses(401))
async def list_instances(session: SessionDep) -> list[StrategyInstanceOut]:
    rows = await session.scalars(select(StrategyInstanceRecord).order_by(StrategyInstanceRecord.id))
    return [StrategyInstanceOut.model_validate(row) for row in rows]


@router.post("/instances", status_code=201, responses=error_responses(400, 401, 409, 422))
async def create_instance(
    body: StrategyInstanceCreate, session: SessionDep, user: CurrentUser, engine: EngineDep
) -> StrategyInstanceOut:
    row = StrategyInstanceRecord(
        name=body.name or body.strategy,
        strategy=body.strategy,
        symbol=body.symbol.upper(),
        params=strategy_params(body.strategy, body.params),
        enabled=body.enabled,
        allow_short=body.allow_short,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise ApiError(
            409,
            "instance_exists",
            f"name: {row.strategy} on {row.symbol} named {row.name!r} exists already.",
        ) from None
    add_audit(session, user, "instance_create", "strategy_instance", row.id, after=_view(row))
    await session.commit()
    await session.refresh(row)
    await engine.instances.reload()
    return StrategyInstanceOut.model_validate(row)


@router.patch("/instances/{instance_id}", responses=error_responses(400, 401, 404, 409, 422))
async def update_instance(
    instance_id: InstanceId,
    body: StrategyInstanceUpdate,
    session: SessionDep,
    user: CurrentUser,
    engine: EngineDep,
) -> StrategyInstanceOut:
    row = await _instance(session, instance_id)
    before = _view(row)
    if body.params is not None:
        row.params = strategy_params(row.strategy, body.params)
    if body.enabled is not None:
        row.enabled = body.enabled
    if body.allow_short is not None:
        row.allow_short = body.allow_short
    if body.name is not None:
        row.name = body.name
    try:
        await session.flush()
    except IntegrityError:
        raise ApiError(
            409, "instance_exists", f"name: {body.name!r} is taken for this strategy and symbol."
        ) from None
    action = (
        "instance_update"
        if body.enabled is None
        else ("instance_enable" if body.enabled else "instance_disable")
    )
    add_audit(session, user, action, "strategy_instance", row.id, before=before, after=_view(row))
    await session.commit()
    await session.refresh(row)
    await engine.instances.reload()
    return StrategyInstanceOut.model_validate(row)


@router.delete(
    "/instances/{instance_id}", status_code=204, responses=error_responses(401, 404, 422)
)
async def delete_instance(
    instance_id: InstanceId, session: SessionDep, user: CurrentUser, engine: EngineDep
) -> Response:
    row = await _instance(session, instance_id)
    add_audit(session, user, "instance_delete", "strategy_instance", row.id, before=_view(row))
    await session.delete(row)
    await session.commit()
    await engine.instances.reload()
    return Response(status_code=204)


async def _instance(session: SessionDep, instance_id: int) -> StrategyInstanceRecord:
    row = await session.get(StrategyInstanceRecord, instance_id)
    if row is None:
        raise ApiError(
            404, "instance_not_found", f"instance_id: no strategy instance {instance_id}."
        )
    return row


def _view(row: StrategyInstanceRecord) -> dict[str, Any]:
    return {
        "name": row.name,
        "strategy": row.strategy,
        "symbol": row.symbol,
        "params": row.params,
        "enabled": row.enabled,
        "allow_short": row.allow_short,
    }
