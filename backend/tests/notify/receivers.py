"""Local receivers for Apprise targets: an HTTP endpoint (json://) and an SMTP server (mailto://)."""

from __future__ import annotations

import asyncio
import email
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.http import serving
from tests.support.services import free_port


@dataclass
class HttpReceiver:
    """Keeps every JSON body POSTed to /hook; `hold` stalls answers while clear, `fail` answers
    that many requests with 500 before succeeding."""

    port: int
    bodies: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    hold: asyncio.Event = field(default_factory=asyncio.Event)
    fail: int = 0
    requests: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def apprise_url(self) -> str:
        return f"json://127.0.0.1:{self.port}/hook"

    async def next(self, within: float = 10) -> dict[str, Any]:
        async with asyncio.timeout(within):
            return await self.bodies.get()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        body = await request.json()
        await self.hold.wait()
        if self.fail > 0:
            self.fail -= 1
            return web.Response(status=500)
        self.bodies.put_nowait(body)
        return web.Response(status=204)


@asynccontextmanager
async def http_receiver() -> AsyncIterator[HttpReceiver]:
    receiver = HttpReceiver(free_port())
    receiver.hold.set()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    async with serving(app, receiver.port):
        try:
            yield receiver
        finally:
            receiver.hold.set()  # let a held request finish, so the server can stop


class _Keep:
    def __init__(self, loop: asyncio.AbstractEventLoop, mails: asyncio.Queue[Message]) -> None:
        self._loop = loop
        self._mails = mails

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw)
        self._loop.call_soon_threadsafe(self._mails.put_nowait, message)
        return "250 OK"


@dataclass
class SmtpReceiver:
    port: int
    mails: asyncio.Queue[Message]

    @property
    def apprise_url(self) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=bot@example.com&to=trader@example.com"

    async def next(self, within: float = 10) -> Message:
        async with asyncio.timeout(within):
            return await self.mails.get()


@asynccontextmanager
async def smtp_receiver() -> AsyncIterator[SmtpReceiver]:
    """aiosmtpd in its own thread, taking any mail over plain SMTP on loopback."""
    mails: asyncio.Queue[Message] = asyncio.Queue()
    port = free_port()
    keep = _Keep(asyncio.get_running_loop(), mails)
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpReceiver(port, mails)
    finally:
        controller.stop()


def body_of(message: Message) -> str:
    """The text of a mail, whether plain or multipart."""
    parts = message.walk() if message.is_multipart() else [message]
    for part in parts:
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")
