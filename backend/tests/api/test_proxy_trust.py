"""X-Forwarded-For counts only from the one trusted proxy (uvicorn's --forwarded-allow-ips, as the
entrypoint runs it): anyone else claiming an address gets neither the loopback-only metrics nor a
fresh login allowance."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import httpx
import pytest
import uvicorn

from app.core.config import Settings
from app.main import create_app
from tests.support.services import free_port

Server = Callable[[str], AbstractAsyncContextManager[str]]


@pytest.fixture
def served_behind(settings: Settings) -> Server:
    @asynccontextmanager
    async def serve(trusted_proxy: str) -> AsyncIterator[str]:
        _, app = create_app(settings)
        port = free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_config=None,
            proxy_headers=True,
            forwarded_allow_ips=trusted_proxy,
        )
        server = uvicorn.Server(config)
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task

    return serve


async def test_a_client_that_is_not_the_proxy_cannot_claim_an_address(
    served_behind: Server,
) -> None:
    async with served_behind("192.0.2.254") as url, httpx.AsyncClient(base_url=url) as http:
        # The true client is loopback, whatever it claims: metrics answer it.
        claimed = {"X-Forwarded-For": "198.51.100.9"}
        assert (await http.get("/api/metrics", headers=claimed)).status_code == 200
        statuses = []
        for n in range(1, 8):
            response = await http.post(
                "/api/auth/login",
                json={"username": "admin", "password": "wrong"},
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            statuses.append(response.status_code)
    assert statuses == [401] * 5 + [429] * 2


async def test_the_trusted_proxy_names_the_client(served_behind: Server) -> None:
    async with served_behind("127.0.0.1") as url, httpx.AsyncClient(base_url=url) as http:
        forwarded = {"X-Forwarded-For": "198.51.100.9"}
        assert (await http.get("/api/metrics", headers=forwarded)).status_code == 403
        assert (await http.get("/api/metrics")).status_code == 200
