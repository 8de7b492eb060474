"""Live events: a Socket.IO server whose emits travel through Redis to every process's clients."""

from __future__ import annotations

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
