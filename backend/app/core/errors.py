"""One JSON error shape for every 4xx and 5xx: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.logging import request_id_var

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """An error the client can act on; raised anywhere below a route."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


def error_response(
    status_code: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details}}
    return JSONResponse(body, status_code=status_code, headers=headers)


def invalid(field: str, message: str) -> ApiError:
    """A 422 naming one field, in the same shape as FastAPI's own validation errors."""
    return ApiError(
        422,
        "validation_error",
        f"Invalid request: {field}: {message}",
        [{"field": field, "message": message}],
    )


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or str(loc[0] if loc else "request")


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, exc.headers)


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    code = status.phrase.lower().replace(" ", "_").replace("-", "_")
    message = exc.detail if isinstance(exc.detail, str) else status.phrase
    headers = dict(exc.headers) if exc.headers else None
    return error_response(exc.status_code, code, message, headers=headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    details = [{"field": _field_name(tuple(err["loc"])), "message": err["msg"]} for err in errors]
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return error_response(422, "validation_error", f"Invalid request: {summary}", details)


# A dependency that is away (restarting, unreachable, refusing connections): the request may be
# retried later, so it is a 503, not a 500. OSError covers refused, reset and unresolvable
# connections (asyncpg raises them unwrapped while connecting) and timeouts.
UNAVAILABLE = (
    OperationalError,
    InterfaceError,
    PoolTimeoutError,
    RedisConnectionError,
    RedisTimeoutError,
    OSError,
)


def _dependency_name(exc: Exception) -> str:
    if isinstance(exc, RedisConnectionError | RedisTimeoutError):
        return "Redis"
    if isinstance(exc, DBAPIError | PoolTimeoutError):
        return "the database"
    return "a service the API needs"


async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
    which = _dependency_name(exc)
    logger.warning("%s unavailable: %s: %s", which, type(exc).__name__, exc)
    return error_response(
        503,
        "dependency_unavailable",
        f"{which[0].upper()}{which[1:]} is unavailable; try again shortly.",
        headers={"Retry-After": "5"},
    )


async def _disconnected(request: Request, exc: Exception) -> JSONResponse:
    """A DBAPIError is the database being away when the connection dropped, or when PostgreSQL says
    so: SQLSTATE class 08 (connection exception) or 57P (shutting down, starting up)."""
    assert isinstance(exc, DBAPIError)
    sqlstate = str(getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", "") or "")
    if exc.connection_invalidated or sqlstate.startswith(("08", "57P")):
        return await _unavailable(request, exc)
    return await _unhandled(request, exc)


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error", exc_info=exc)
    return error_response(
        500,
        "internal_error",
        f"Internal error; quote request id {request_id_var.get()} when reporting it.",
    )


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    for unavailable in UNAVAILABLE:
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(DBAPIError, _disconnected)
    app.add_exception_handler(Exception, _unhandled)


def nested_error(
    prefix: str, error: ValidationError, tags: frozenset[str] = frozenset()
) -> ApiError:
    """A 422 whose fields read `prefix.name`, e.g. `params.fast`; `tags` are the names of
    tagged-union members, which pydantic puts in the path and a client never wrote."""
    details = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"] if part not in tags)
        details.append(
            {
                "field": ".".join(part for part in (prefix, path) if part) or "body",
                "message": str(item["msg"]).removeprefix("Value error, "),
            }
        )
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details)
    return ApiError(422, "validation_error", f"Invalid request: {summary}", details)
