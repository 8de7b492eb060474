"""Prometheus scrape endpoint, guarded by its own token rather than the login."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from redis.exceptions import RedisError
from sqlalchemy import func, select

from app.api.deps import SessionDep, SettingsDep
from app.api.engine_deps import EngineDep
from app.core.config import Settings
from app.core.errors import ApiError
from app.core.metrics import LEADER, LOCK, ORDERS, REGISTRY
from app.models import OrderRecord
from app.schemas.errors import error_responses

router = APIRouter(tags=["metrics"])


def _authorize(request: Request, settings: Settings) -> None:
    """A METRICS_TOKEN bearer when one is set; otherwise only clients on this host."""
    if settings.metrics_token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.encode(), settings.metrics_token.encode()
        ):
            raise ApiError(
                401,
                "invalid_metrics_token",
                "Metrics need `Authorization: Bearer <METRICS_TOKEN>`.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ApiError(
            403,
            "metrics_forbidden",
            "Metrics answer only to loopback clients unless METRICS_TOKEN is set.",
        )


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}}, **error_responses(401, 403)},
)
async def metrics(
    request: Request, settings: SettingsDep, session: SessionDep, engine: EngineDep
) -> Response:
    """Prometheus text format: request and engine latency, orders, broker faults, leadership."""
    _authorize(request, settings)
    counts = await session.execute(
        select(OrderRecord.status, func.count()).group_by(OrderRecord.status)
    )
    ORDERS.clear()
    for state, count in counts.all():
        ORDERS.labels(state).set(count)
    LEADER.set(1 if engine.trading else 0)
    try:
        leader = (await engine.status()).leader
    except RedisError:
        leader = None
    LOCK.info({"holder": leader or "", "this_process": engine.holder})
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
