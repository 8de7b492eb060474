"""Live events reach authenticated Socket.IO clients, also when published from another process."""

import asyncio

import httpx
import pytest
import socketio

from app.core.config import Settings
from app.core.events import RedisPublisher
from tests.conftest import login


async def _connect(url: str, token: str | None) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        url,
        socketio_path="/ws/socket.io",
        transports=["websocket"],
        auth={"token": token} if token is not None else None,
    )
    return client


async def test_client_receives_event_published_through_redis(
    live_url: str, settings: Settings
) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        headers = await login(http)
    token = headers["Authorization"].removeprefix("Bearer ")
    client = await _connect(live_url, token)
    received: asyncio.Queue[object] = asyncio.Queue()
    client.on("order", received.put)
    try:
        publisher = RedisPublisher(settings.redis_url)  # as another process would
        payload = {"client_order_id": "abc", "status": "filled"}
        # The server subscribes to Redis when its first client arrives; publish until delivered.
        async with asyncio.timeout(10):
            while received.empty():
                await publisher.publish("order", payload)
                try:
                    message = await asyncio.wait_for(received.get(), 0.5)
                    break
                except TimeoutError:
                    continue
        assert message == payload
    finally:
        await client.disconnect()


@pytest.mark.parametrize(
    ("token", "reason"), [(None, "authentication required"), ("not.a.token", "invalid token")]
)
async def test_connect_without_valid_token_is_refused(
    live_url: str, token: str | None, reason: str
) -> None:
    client = socketio.AsyncClient(reconnection=False)
    refusals: list[object] = []
    client.on("connect_error", refusals.append)
    with pytest.raises(socketio.exceptions.ConnectionError):
        await client.connect(
            live_url,
            socketio_path="/ws/socket.io",
            transports=["websocket"],
            auth={"token": token} if token is not None else None,
        )
    assert refusals == [{"message": reason}]
