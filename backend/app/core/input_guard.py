"""ASGI middleware refusing input the app cannot take, with a 4xx naming the field, before any
route runs: text PostgreSQL cannot store (NUL, lone surrogates) in the path, query or JSON body,
and JSON bodies too large or nested too deep to parse safely (Python's parser recurses)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl

import numpy as np
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import error_response, invalid

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_OPENERS = np.frombuffer(b"[{", dtype=np.uint8)
_CLOSERS = np.frombuffer(b"]}", dtype=np.uint8)


def json_depth(body: bytes) -> int:
    """Deepest nesting of arrays and objects in a JSON text, without parsing it: strings are blanked
    out, then a running count of brackets (vectorised: bodies run to megabytes)."""
    codes = np.frombuffer(_JSON_STRING.sub(b'""', body), dtype=np.uint8)
    steps = np.isin(codes, _OPENERS).astype(np.int32) - np.isin(codes, _CLOSERS)
    return int(np.cumsum(steps).max(initial=0))


def unstorable_field(value: Any, path: str = "") -> str | None:
    """Dotted name of the first string (key or value) PostgreSQL cannot store; None when clean."""
    if isinstance(value, str):
        return (path or "body") if _UNSTORABLE.search(value) else None
    items: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if _UNSTORABLE.search(key):
                return _UNSTORABLE.sub("?", name)
            items.append((name, item))
    elif isinstance(value, list):
        items = [
            (f"{path}.{index}" if path else str(index), item) for index, item in enumerate(value)
        ]
    for name, item in items:
        found = unstorable_field(item, name)
        if found is not None:
            return found
    return None


def _refusal(field: str, message: str) -> JSONResponse:
    error = invalid(field, message)
    return error_response(error.status_code, error.code, error.message, error.details)


_CHARACTERS = "contains a character that cannot be stored (NUL or an unpaired surrogate)"


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp, max_json_bytes: int, max_json_depth: int) -> None:
        self.app = app
        self.max_json_bytes = max_json_bytes
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._check_url(scope)
        if refusal is None and self._is_json(scope):
            body, complete = await self._read(receive)
            if not complete:
                return  # the client went away
            refusal = self._check_json(body)
            receive = self._replay(body, receive)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _check_url(scope: Scope) -> JSONResponse | None:
        if _UNSTORABLE.search(scope["path"]):
            return _refusal("path", _CHARACTERS)
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
                return _refusal(_UNSTORABLE.sub("?", name) or "query", _CHARACTERS)
        return None

    @staticmethod
    def _is_json(scope: Scope) -> bool:
        headers: dict[bytes, bytes] = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        return content_type == b"application/json" or content_type.endswith(b"+json")

    async def _read(self, receive: Receive) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return b"", False
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                return b"".join(chunks), True

    def _check_json(self, body: bytes) -> JSONResponse | None:
        if len(body) > self.max_json_bytes:
            return error_response(
                413, "request_too_large", f"JSON bodies are limited to {self.max_json_bytes} bytes."
            )
        if json_depth(body) > self.max_json_depth:
            return _refusal("body", f"JSON nested deeper than {self.max_json_depth} levels")
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            return None  # the route's own parsing answers 400 malformed_json
        field = unstorable_field(data)
        return None if field is None else _refusal(field, _CHARACTERS)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        """The body once more for the app, then the client's own messages (its disconnect)."""
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay
