"""Waiting for an asynchronous outcome without fixed sleeps: poll, with a deadline and a name."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable


async def wait_for(
    check: Callable[[], Awaitable[bool]], within: float = 15, what: str = ""
) -> None:
    """Poll an async condition until it holds; fail naming `what` after `within` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    for _ in itertools.count():
        if await check():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {within} s: {what}")
        await asyncio.sleep(0.05)
