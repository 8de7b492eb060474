"""The API's schema and Swagger page: public in development and tests, behind the login in
production (where the Swagger page, which loads from a CDN, is not served at all)."""

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.conftest import login


@pytest.fixture
async def production_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    production = settings.model_copy(update={"environment": "production"})
    api, app = create_app(production)
    async with api.router.lifespan_context(api):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 4711))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_production_serves_the_schema_only_to_a_logged_in_client(
    production_client: httpx.AsyncClient,
) -> None:
    assert (await production_client.get("/api/openapi.json")).status_code == 401
    assert (await production_client.get("/api/docs")).status_code == 404
    headers = await login(production_client)
    schema = await production_client.get("/api/openapi.json", headers=headers)
    assert schema.status_code == 200
    assert "/api/orders" in schema.json()["paths"]


async def test_development_serves_the_schema_and_docs(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/openapi.json")).status_code == 200
    assert (await client.get("/api/docs")).status_code == 200
