"""A local Telegram Bot API (see SOURCES.md): the methods a command bot uses, with long polling,
plus helpers for the test to act as a person typing in a chat and pressing buttons."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.http import serving
from tests.support.services import free_port

TOKEN = "123456:TEST-double-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "trading-bot", "username": "trading_test_bot"}


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass
class TelegramDouble:
    port: int
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)  # every message the bot sent
    answered: list[dict[str, Any]] = field(default_factory=list)  # answerCallbackQuery calls
    calls: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    @property
    def base_url(self) -> str:
        """What python-telegram-bot's `base_url` takes: the token is appended to it."""
        return f"http://127.0.0.1:{self.port}/bot"

    # ------------------------------------------------------------------ a person in a chat
    async def say(self, chat_id: int, text: str) -> dict[str, Any]:
        """A user types `text` in a private chat with the bot."""
        message = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"},
            "from": {"id": chat_id, "is_bot": False, "first_name": f"user{chat_id}"},
            "text": text,
        }
        if text.startswith("/"):  # the server marks commands, and clients match on the entity
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._add({"message": message})
        return message

    async def press(self, chat_id: int, message: dict[str, Any], data: str) -> str:
        """The user presses the inline button with `data` under the bot's `message`."""
        query_id = str(next(self._ids))
        await self._add(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {"id": chat_id, "is_bot": False, "first_name": f"user{chat_id}"},
                    "chat_instance": f"instance-{chat_id}",
                    "message": message,
                    "data": data,
                }
            }
        )
        return query_id

    async def _add(self, update: dict[str, Any]) -> None:
        async with self._arrived:
            self.updates.append({"update_id": next(self._ids), **update})
            self._arrived.notify_all()

    async def reply(self, chat_id: int, within: float = 15) -> dict[str, Any]:
        """The next message the bot sends to `chat_id` (waits for it)."""
        seen = len([m for m in self.sent if m["chat"]["id"] == chat_id])
        async with asyncio.timeout(within):
            while True:
                mine = [m for m in self.sent if m["chat"]["id"] == chat_id]
                if len(mine) > seen:
                    return mine[seen]
                async with self._arrived:
                    await self._arrived.wait()

    async def wait_for(self, check: Any, within: float = 15) -> None:
        async with asyncio.timeout(within):
            while not check():
                async with self._arrived:
                    await self._arrived.wait()

    # ------------------------------------------------------------------ the Bot API
    async def handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self.calls.append(method)
        async with self._arrived:
            self._arrived.notify_all()
        try:
            if request.match_info["token"] != TOKEN:
                raise ApiError(401, "Unauthorized")
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(await _parameters(request))
        except ApiError as error:
            body = {"ok": False, "error_code": error.code, "description": error.description}
            return web.json_response(body, status=error.code)
        async with self._arrived:
            self._arrived.notify_all()
        return web.json_response({"ok": True, "result": result})

    async def _m_getMe(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return BOT

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> bool:  # noqa: N802
        return True

    async def _m_setMyCommands(self, p: dict[str, Any]) -> bool:  # noqa: N802
        _require(p, "commands")
        return True

    async def _m_getUpdates(self, p: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = float(p.get("timeout") or 0)
        async with self._arrived:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
            if not self.updates and timeout > 0:
                try:
                    async with asyncio.timeout(timeout):
                        await self._arrived.wait_for(lambda: bool(self.updates))
                except TimeoutError:
                    pass
            allowed = p.get("allowed_updates")
            wanted = [u for u in self.updates if not allowed or set(u) & set(allowed)]
            return wanted[:limit]

    async def _m_sendMessage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        _require(p, "chat_id", "text")
        chat_id = int(p["chat_id"])
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": f"user{chat_id}"},
            "from": BOT,
            "text": p["text"],
        }
        if p.get("reply_markup"):
            message["reply_markup"] = p["reply_markup"]
        self.sent.append(message)
        return message

    async def _m_editMessageText(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        _require(p, "text")
        if "inline_message_id" not in p:
            _require(p, "chat_id", "message_id")
        for message in self.sent:
            if message["message_id"] == int(p.get("message_id") or 0):
                message["text"] = p["text"]
                message["edit_date"] = int(time.time())
                message.pop("reply_markup", None)
                if p.get("reply_markup"):
                    message["reply_markup"] = p["reply_markup"]
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> bool:  # noqa: N802
        _require(p, "callback_query_id")
        self.answered.append(p)
        return True


def _require(p: dict[str, Any], *names: str) -> None:
    for name in names:
        if p.get(name) in (None, ""):
            raise ApiError(400, f"Bad Request: parameter {name} is required")


async def _parameters(request: web.Request) -> dict[str, Any]:
    """Query string, form (values JSON-encoded, as python-telegram-bot sends them) or JSON."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        for name, value in (await request.post()).items():
            params[name] = _decoded(str(value))
    return params


def _decoded(value: str) -> Any:
    """Objects and arrays arrive JSON-encoded; numbers and strings stay text, as on Telegram."""
    if value[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@asynccontextmanager
async def telegram_double() -> AsyncIterator[TelegramDouble]:
    double = TelegramDouble(free_port())
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", double.handle)
    async with serving(app, double.port):
        yield double
