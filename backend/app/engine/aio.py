"""Small asyncio helpers that keep cancellation reliable on Python 3.11."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def raise_if_cancelling(error: Exception | None = None) -> None:
    """Some drivers swallow a cancellation or turn it into their own error; honour it anyway."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError from error


async def bounded(call: Coroutine[Any, Any, T], seconds: float) -> T:
    """Await with a time limit that never swallows the caller's own cancellation.

    (asyncio.timeout on Python 3.11 can turn an outside cancel into TimeoutError when both
    happen at once, which would leave the supervisor running after shutdown.)
    """
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait({task}, timeout=seconds)
    finally:
        if not task.done():
            task.cancel()
    if not done:
        raise TimeoutError(f"no answer within {seconds:g} s")
    return task.result()
