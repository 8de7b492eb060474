"""The API's end of the command channel to the engine process (app/engine/commands.py): each call
is a command with an id and a deadline; no engine, or no answer in time, is a 503 naming why.
Status is read from what the engine leaves in Redis, without asking it."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import TypeAdapter
from redis.asyncio import Redis

from app.core.errors import ApiError
from app.domain import OrderRequest, Position
from app.engine.commands import (
    ACCOUNT,
    COMMANDER_KEY,
    COMMANDS_KEY,
    KILL_OUTCOME,
    METRICS_KEY,
    NOTHING,
    ORDER_ID,
    POSITIONS,
    STATUS,
    WORKER_KEY,
    CancelOrder,
    ClosePosition,
    Command,
    Envelope,
    GetAccount,
    GetPositions,
    Kill,
    PlaceOrder,
    ReloadInstances,
    Reply,
    SetRunning,
    reply_key,
)
from app.engine.leader import DESIRED_KEY, LOCK_KEY
from app.engine.runs import STATUS_KEY
from app.engine.status import (
    AccountStatus,
    EngineStatus,
    KillOutcome,
    RunStatus,
    WorkerInfo,
    compose_status,
)

logger = logging.getLogger(__name__)

_WORKER_INFO: TypeAdapter[WorkerInfo] = TypeAdapter(WorkerInfo)
_WAIT_SLICE = 4.0  # below the Redis client's socket timeout, so one blocking read never trips it
NO_ENGINE = "no engine process is running (nothing holds the engine's command lock)"


def engine_unavailable(reason: str) -> ApiError:
    return ApiError(503, "engine_unavailable", f"engine: {reason}; retry later.")


class EngineClient:
    """What the routes may ask of the engine; every answer comes from the engine process."""

    def __init__(self, redis: Redis, timeout_seconds: float) -> None:
        self._redis = redis
        self._timeout = timeout_seconds

    async def _call(self, command: Command, result: TypeAdapter[Any]) -> Any:
        if not await self._redis.exists(COMMANDER_KEY):
            raise engine_unavailable(NO_ENGINE)
        envelope = Envelope(
            id=uuid.uuid4().hex, deadline=time.time() + self._timeout, command=command
        )
        raw = envelope.model_dump_json()
        await self._redis.rpush(COMMANDS_KEY, raw)
        reply = await self._reply(envelope.id, time.monotonic() + self._timeout)
        if reply is None:
            taken_back = await self._redis.lrem(COMMANDS_KEY, 1, raw)
            logger.warning("engine command %s: no answer in %.0f s", command.op, self._timeout)
            after = "it was not taken" if taken_back else "it may still take effect"
            raise engine_unavailable(f"no answer within {self._timeout:g} s ({after})")
        if reply.failure is not None:
            if reply.failure.kind == "internal":
                raise ApiError(503, "engine_error", f"engine: {reply.failure.message}")
            raise reply.failure.error()
        return result.validate_python(reply.result)

    async def _reply(self, command_id: str, until: float) -> Reply | None:
        key = reply_key(command_id)
        while (left := until - time.monotonic()) > 0:
            taken = await self._redis.blpop([key], timeout=min(left, _WAIT_SLICE))
            if taken is not None:
                return Reply.model_validate_json(taken[1])
        return None

    async def place_order(self, request: OrderRequest, actor: str, asked: dict[str, Any]) -> int:
        """The new order's id (its row is in the database when this returns)."""
        command = PlaceOrder(request=request, actor=actor, asked=asked)
        order_id: int = await self._call(command, ORDER_ID)
        return order_id

    async def cancel_order(self, order_id: int, actor: str) -> None:
        await self._call(CancelOrder(order_id=order_id, actor=actor), NOTHING)

    async def close_position(self, symbol: str, actor: str, qty: float | None) -> int:
        command = ClosePosition(symbol=symbol, actor=actor, qty=qty)
        order_id: int = await self._call(command, ORDER_ID)
        return order_id

    async def kill(self, actor: str, flatten: bool) -> KillOutcome:
        outcome: KillOutcome = await self._call(Kill(actor=actor, flatten=flatten), KILL_OUTCOME)
        return outcome

    async def request(self, running: bool, user: str) -> EngineStatus:
        status: EngineStatus = await self._call(SetRunning(running=running, actor=user), STATUS)
        return status

    async def account(self) -> AccountStatus:
        account: AccountStatus = await self._call(GetAccount(), ACCOUNT)
        return account

    async def open_positions(self) -> list[Position]:
        positions: list[Position] = await self._call(GetPositions(), POSITIONS)
        return positions

    async def reload_instances(self) -> None:
        """Tell the engine the strategy instances changed; it reads them anew at each run's start
        anyway, so an absent engine is only logged."""
        try:
            await self._call(ReloadInstances(), NOTHING)
        except ApiError as error:
            logger.warning("strategy instances saved, engine not told: %s", error.message)

    async def status(self) -> EngineStatus:
        info, desired, leader, run = await self._redis.mget(
            WORKER_KEY, DESIRED_KEY, LOCK_KEY, STATUS_KEY
        )
        if info is None:
            raise engine_unavailable(NO_ENGINE)
        run_status = RunStatus.model_validate_json(run) if run else None
        holder = None if leader is None else str(leader)
        wanted = None if desired is None else str(desired)
        return compose_status(_WORKER_INFO.validate_json(info), wanted, holder, run_status)

    async def leader(self) -> str | None:
        holder = await self._redis.get(LOCK_KEY)
        return None if holder is None else str(holder)

    async def metrics_text(self) -> str:
        """The engine process's Prometheus series, as it last left them ('' without one)."""
        return str(await self._redis.get(METRICS_KEY) or "")


async def get_engine(request: Request) -> EngineClient:
    engine: EngineClient = request.app.state.engine
    return engine


EngineDep = Annotated[EngineClient, Depends(get_engine)]
