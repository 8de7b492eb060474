"""The API app with Alpaca keys, its bars served by the Alpaca data double."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from tests.fakealpaca.data_api import FakeAlpacaData
from tests.fakealpaca.server import KEY_ID, SECRET


@pytest.fixture
async def keyed(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, FakeAlpacaData]]:
    async with FakeAlpacaData() as data:
        keyed = settings.model_copy(
            update={
                "alpaca_api_key": KEY_ID,
                "alpaca_secret_key": SECRET,
                "alpaca_data_url": data.base_url,
            }
        )
        api, app = create_app(keyed)
        async with api.router.lifespan_context(api):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client, data
