"""Live event fan-out: events published through Redis (as the engine does) to 50 Socket.IO clients.

The backend runs as its own uvicorn process; the clients and the publisher share this one.
Prints deliveries per second and publish-to-receive latency; target: every client receives
every event, p99 under 100 ms.
Run: make bench, or cd backend && ../.venv/bin/python bench/events_fanout.py
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sys
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import socketio

from app.core.events import RedisPublisher
from app.core.security import create_token, hash_password

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # backend/, for bench and tests

from bench.support.services import BACKEND_DIR, percentile, services
from tests.support.services import free_port

CLIENTS = 50
SECRET = "bench-token-secret-long-enough-0123456789abcdef"
RATES = (100, 250, 500)  # events per second offered
SECONDS = 4


async def start_backend(
    database_url: str, redis_url: str
) -> tuple[asyncio.subprocess.Process, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ENVIRONMENT": "test",
        "TOKEN_SECRET": SECRET,
        "ADMIN_PASSWORD_HASH": hash_password("bench"),
        "ENGINE_AUTOSTART": "false",
        "ENGINE_SEED_SYMBOLS": "",
        "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    process = await asyncio.create_subprocess_exec(*command, cwd=BACKEND_DIR, env=env)
    url = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient() as http:
        for _ in range(200):
            try:
                if (await http.get(f"{url}/api/health")).status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    process.kill()
    raise RuntimeError("backend did not start")


async def until(done: Callable[[], bool], within: float) -> None:
    """Wait (polling) until done() or `within` seconds passed; the figures say which."""
    deadline = time.perf_counter() + within
    for _ in itertools.count():
        if done() or time.perf_counter() > deadline:
            return
        await asyncio.sleep(0.05)


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    with services() as svc:
        backend, url = await start_backend(svc.database_url, svc.redis_url)
        try:
            await run(url, svc.redis_url)
        finally:
            backend.terminate()
            await backend.wait()


async def run(url: str, redis_url: str) -> None:
    token = create_token("admin", SECRET, timedelta(hours=1)).token
    latencies: dict[int, list[float]] = {}  # seq -> one latency per client that received it
    clients = []
    for _ in range(CLIENTS):
        client = socketio.AsyncClient(reconnection=False)

        def on_order(payload: dict[str, float]) -> None:
            latencies.setdefault(int(payload["seq"]), []).append(time.time() - payload["sent"])

        client.on("order", on_order)
        await client.connect(
            url, socketio_path="/ws/socket.io", transports=["websocket"], auth={"token": token}
        )
        clients.append(client)
    publisher = RedisPublisher(redis_url)
    seq = 0
    while not latencies or len(latencies[max(latencies)]) < CLIENTS:  # until all are subscribed
        seq -= 1
        await publisher.publish("order", {"seq": seq, "sent": time.time()})
        await asyncio.sleep(0.05)
    print(f"events_fanout: {CLIENTS} Socket.IO clients, events published through Redis")
    for rate in RATES:
        latencies.clear()
        count = rate * SECONDS
        started = time.perf_counter()
        for i in range(count):
            due = started + i / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await publisher.publish("order", {"seq": i, "sent": time.time()})
        expected = count * CLIENTS
        await until(lambda: sum(map(len, latencies.values())) >= expected, within=10)  # noqa: B023
        elapsed = time.perf_counter() - started
        delivered = sum(map(len, latencies.values()))
        flat = [t * 1000 for values in latencies.values() for t in values]
        complete = sum(1 for values in latencies.values() if len(values) == CLIENTS)
        p99 = percentile(flat, 0.99)
        print(
            f"  {rate:4d} events/s offered: {delivered}/{count * CLIENTS} delivered "
            f"({delivered / elapsed:,.0f} deliveries/s), {complete}/{count} events reached all "
            f"clients, latency p50 {percentile(flat, 0.5):.1f} ms p99 {p99:.1f} ms "
            f"(target < 100 ms: {'met' if p99 < 100 and complete == count else 'NOT met'})"
        )
    for client in clients:
        await client.disconnect()


if __name__ == "__main__":
    asyncio.run(main())
