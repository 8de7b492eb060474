"""Live events: a Socket.IO server whose emits travel through Redis to every process's clients,
and a publisher that never holds the engine up.

The database row is the record; the live event is a courtesy. A slow or absent Redis delays or
drops events (logged), never an order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

import socketio
from fastapi.encoders import jsonable_encoder

from app.core.security import InvalidToken, decode_token

logger = logging.getLogger(__name__)

CHANNEL = "trading-bot-events"
SOCKETIO_PATH = "/ws/socket.io"


class Publisher(Protocol):
    async def publish(self, event: str, payload: Any) -> None: ...


class RedisPublisher:
    """Publishes from any process (engine, CLI, worker) without serving clients itself."""

    def __init__(self, redis_url: str) -> None:
        self._manager = socketio.AsyncRedisManager(redis_url, channel=CHANNEL, write_only=True)

    async def publish(self, event: str, payload: Any) -> None:
        await self._manager.emit(event, jsonable_encoder(payload))


class LiveEventServer:
    """The Socket.IO endpoint under /ws/; only clients with a valid login token may connect."""

    def __init__(self, redis_url: str, token_secret: str) -> None:
        self._token_secret = token_secret
        self.server = socketio.AsyncServer(
            async_mode="asgi",
            client_manager=socketio.AsyncRedisManager(redis_url, channel=CHANNEL),
            logger=False,
            engineio_logger=False,
        )
        self.server.on("connect", self._on_connect)

    async def _on_connect(self, sid: str, environ: dict[str, Any], auth: Any) -> None:
        token = auth.get("token") if isinstance(auth, dict) else None
        if not isinstance(token, str):
            raise socketio.exceptions.ConnectionRefusedError("authentication required")
        try:
            user = decode_token(token, self._token_secret)
        except InvalidToken as error:
            raise socketio.exceptions.ConnectionRefusedError(str(error)) from None
        await self.server.save_session(sid, {"user": user})
        logger.info("live client connected", extra={"sid": sid, "user": user})

    async def publish(self, event: str, payload: Any) -> None:
        await self.server.emit(event, jsonable_encoder(payload))

    def asgi(self, other_app: Any) -> socketio.ASGIApp:
        return socketio.ASGIApp(self.server, other_asgi_app=other_app, socketio_path=SOCKETIO_PATH)


EVENTS = ("order", "fill", "signal", "position", "equity", "account", "engine", "risk_rejection")


class SafePublisher:
    """Wraps a Publisher with a bounded queue drained by one background task."""

    def __init__(self, publisher: Publisher, capacity: int = 10_000) -> None:
        self._publisher = publisher
        self._queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue(capacity)
        self._sender: asyncio.Task[None] | None = None
        self.dropped = 0

    async def publish(self, event: str, payload: Any) -> None:
        assert event in EVENTS, event
        if self._queue.full():
            self._queue.get_nowait()
            self.dropped += 1
            if self.dropped % 1000 == 1:
                logger.warning("live events backing up: %d dropped so far", self.dropped)
        self._queue.put_nowait((event, payload))
        if self._sender is None or self._sender.done():
            self._sender = asyncio.create_task(self._send(), name="live-events")

    async def _send(self) -> None:
        while not self._queue.empty():
            event, payload = self._queue.get_nowait()
            try:
                await self._publisher.publish(event, payload)
            except Exception:
                logger.warning("could not publish live event %r", event, exc_info=True)

    async def flush(self, within: float = 5.0) -> None:
        """Wait until every queued event went out (or `within` seconds passed)."""
        if self._sender is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._sender), within)

    async def close(self) -> None:
        await self.flush()
        if self._sender is not None:
            self._sender.cancel()
            await asyncio.wait({self._sender})
