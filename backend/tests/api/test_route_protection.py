"""Every route under /api/ except the public ones refuses a request without a token."""

import re

import httpx
from fastapi import FastAPI
from socketio import ASGIApp

from app.api.main import PUBLIC_PATHS


async def test_every_non_public_route_needs_a_token(
    api_app: tuple[FastAPI, ASGIApp], client: httpx.AsyncClient
) -> None:
    api, _ = api_app
    checked = []
    for path, operations in api.openapi()["paths"].items():
        if path in PUBLIC_PATHS:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        for method in operations:
            response = await client.request(method.upper(), concrete)
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            checked.append(f"{method} {path}")
    assert "get /api/auth/me" in checked
