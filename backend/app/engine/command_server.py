"""The engine's end of the command channel: while this process holds the commander lock it takes
commands off Redis, acts through the engine's façade, replies, and keeps its self-description and
metrics in Redis for the API to read. API load never reaches the engine's event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from pydantic import TypeAdapter, ValidationError
from redis.asyncio import Redis

from app.core.metrics import engine_metrics_text
from app.engine.aio import raise_if_cancelling
from app.engine.commands import (
    COMMANDER_KEY,
    COMMANDS_KEY,
    METRICS_KEY,
    REPLY_TTL_SECONDS,
    RESULTS,
    WORKER_KEY,
    CancelOrder,
    ClosePosition,
    Command,
    Envelope,
    Failure,
    GetAccount,
    GetPositions,
    Kill,
    PlaceOrder,
    ReloadInstances,
    Reply,
    SetRunning,
    reply_key,
)
from app.engine.leader import LeaderLock
from app.engine.service import EngineService
from app.engine.status import WorkerInfo

logger = logging.getLogger(__name__)

WORKER_INFO: TypeAdapter[WorkerInfo] = TypeAdapter(WorkerInfo)


class CommandServer:
    """One per engine process; only the holder of the commander lock consumes commands."""

    def __init__(self, redis: Redis, engine: EngineService, ttl_seconds: float) -> None:
        self._redis = redis
        self._engine = engine
        self._lock = LeaderLock(redis, engine.holder, ttl_seconds, key=COMMANDER_KEY)
        self._ttl_ms = int(ttl_seconds * 1000)
        self._tick = min(1.0, ttl_seconds / 5)
        self._leading = False
        self._renewed_at = 0.0
        self._task: asyncio.Task[None] | None = None
        self._working: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def leading(self) -> bool:
        return self._leading

    async def start(self) -> None:
        """Try for the lock once before returning, so a lone process answers from the start."""
        with contextlib.suppress(Exception):
            await self._keep_lock()
        self._task = asyncio.create_task(self._serve(), name="engine-commands")

    async def close(self) -> None:
        # Ended by a flag, not a cancel: redis-py can swallow a cancel that lands inside a BLPOP,
        # and the BLPOP returns within a tick anyway.
        self._closing = True
        if self._task is not None:
            await asyncio.wait({self._task}, timeout=self._tick + 5)
            if not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=5)
        for task in list(self._working):
            with contextlib.suppress(Exception):
                await task  # a command under way finishes and replies
        if self._leading:
            with contextlib.suppress(Exception):
                await self._redis.delete(WORKER_KEY)
                await self._lock.release()
        self._leading = False

    async def _serve(self) -> None:
        while not self._closing:
            try:
                if time.monotonic() - self._renewed_at >= self._tick:
                    await self._keep_lock()
                if not self._leading:
                    await asyncio.sleep(self._tick)
                    continue
                taken = await self._redis.blpop([COMMANDS_KEY], timeout=self._tick)
                if taken is not None:
                    task = asyncio.create_task(self._handle(taken[1]), name="engine-command")
                    self._working.add(task)
                    task.add_done_callback(self._working.discard)
            except Exception as exc:  # Redis trouble: try again, never act unsure of the lock
                raise_if_cancelling(exc)
                logger.warning("engine command channel: %s", exc)
                self._leading = False
                await asyncio.sleep(self._tick)

    async def _keep_lock(self) -> None:
        if self._leading:
            self._leading = await self._lock.renew()
            if not self._leading:
                logger.error("LOST the engine commander lock in %s", self._engine.holder)
        else:
            self._leading = await self._lock.acquire()
        self._renewed_at = time.monotonic()
        if self._leading:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.set(WORKER_KEY, WORKER_INFO.dump_json(self._engine.info()), px=self._ttl_ms)
                pipe.set(METRICS_KEY, engine_metrics_text(self._engine.trading, self._leader()))
                pipe.pexpire(METRICS_KEY, self._ttl_ms)
                await pipe.execute()

    def _leader(self) -> dict[str, str]:
        holder = self._engine.holder
        return {"holder": holder if self._engine.trading else "", "this_process": holder}

    async def _handle(self, raw: str | bytes) -> None:
        try:
            envelope = Envelope.model_validate_json(raw)
        except ValidationError as error:
            logger.error("dropped a malformed engine command: %s", error)
            return
        command = envelope.command
        if time.time() > envelope.deadline:
            logger.warning("dropped command %s: its deadline passed untaken", command.op)
            return
        try:
            result = RESULTS[command.op].dump_python(await self._dispatch(command), mode="json")
            reply = Reply(id=envelope.id, result=result)
        except Exception as error:
            raise_if_cancelling(error)
            if Failure.of(error).kind == "internal":
                logger.exception("engine command %s failed", command.op)
            reply = Reply(id=envelope.id, failure=Failure.of(error))
        key = reply_key(envelope.id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, reply.model_dump_json())
            pipe.expire(key, REPLY_TTL_SECONDS)
            await pipe.execute()

    async def _dispatch(self, command: Command) -> Any:
        engine = self._engine
        match command:
            case PlaceOrder(request=request, actor=actor, asked=asked):
                return (await engine.place_order(request, actor, asked)).id
            case CancelOrder(order_id=order_id, actor=actor):
                return await engine.cancel_order(order_id, actor)
            case ClosePosition(symbol=symbol, actor=actor, qty=qty):
                return (await engine.close_position(symbol, actor, qty)).id
            case Kill(actor=actor, flatten=flatten):
                return await engine.kill(actor, flatten)
            case SetRunning(running=running, actor=actor):
                return await engine.request(running, actor)
            case GetAccount():
                return await engine.account()
            case GetPositions():
                return await engine.open_positions()
            case ReloadInstances():
                return await engine.instances.reload()
