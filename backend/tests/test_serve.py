"""The container's two processes under app.serve: the API and the engine worker live and end
together, so systemd sees a failure of either as the container's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from tests.engine.test_engine_process import engine_env
from tests.support.polling import wait_for
from tests.support.services import free_port

BACKEND = Path(__file__).resolve().parents[1]


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as listing:
        return [int(child) for child in listing.read().split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def served(settings: Settings) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    serve = subprocess.Popen(
        [sys.executable, "-m", "app.serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=BACKEND,
        env=engine_env(settings),
    )
    yield serve, f"http://127.0.0.1:{port}"
    if serve.poll() is None:
        serve.kill()
        serve.wait(30)


async def until_both_answer(serve: subprocess.Popen[bytes], url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:

        async def ready() -> bool:
            assert serve.poll() is None, f"app.serve ended with {serve.returncode}"
            try:
                engine = await http.get("/api/engine")
            except httpx.TransportError:
                return False
            return engine.status_code == 401 and len(children(serve.pid)) == 2

        await wait_for(ready, within=60, what="the API answering beside the engine")


async def test_a_child_that_ends_takes_the_other_down_and_the_exit_is_non_zero(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    serve, url = served
    await until_both_answer(serve, url)
    api, engine = children(serve.pid)
    os.kill(engine, signal.SIGKILL)
    assert serve.wait(60) != 0
    assert not alive(api)


async def test_sigterm_stops_both_and_exits_zero(
    served: tuple[subprocess.Popen[bytes], str],
) -> None:
    serve, url = served
    await until_both_answer(serve, url)
    pids = children(serve.pid)
    serve.terminate()
    assert serve.wait(60) == 0
    assert not any(alive(pid) for pid in pids)
