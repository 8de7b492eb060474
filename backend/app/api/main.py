"""All REST routes under /api/: public ones first, then those that need a login."""

from fastapi import APIRouter, Depends

from app.api.deps import current_user
from app.api.routes import (
    account,
    analytics,
    audit,
    auth,
    backtests,
    engine,
    equity,
    health,
    history,
    metrics,
    notifications,
    orders,
    positions,
    replay,
    research,
    risk,
    signals,
    strategies,
)
from app.schemas.errors import error_responses

# /api/metrics is guarded by its own METRICS_TOKEN (or loopback only), not by the login.
PUBLIC_PATHS = frozenset({"/api/health", "/api/auth/login", "/api/metrics"})

# Any route may meet refused input (InputGuardMiddleware: 413, 422) or a dependency away (503).
api_router = APIRouter(responses=error_responses(413, 422, 503))
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(metrics.router)

# Routers included here need a bearer token for every route they hold.
protected_router = APIRouter(dependencies=[Depends(current_user)])
for resource in (
    account,
    positions,
    orders,
    signals,
    strategies,
    replay,
    risk,
    engine,
    equity,
    backtests,
    audit,
    analytics,
    history,
    research,
    notifications,
):
    protected_router.include_router(resource.router)
api_router.include_router(protected_router)
