"""Small asyncio helpers that keep cancellation reliable on Python 3.11."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine
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


async def batched(source: AsyncIterator[T]) -> AsyncGenerator[list[T], None]:
    """The items of `source` in lists: what arrived while the consumer was busy comes at once,
    so a burst costs one round of work instead of one per item. Ends (or raises) as source does;
    close it (contextlib.aclosing) to stop reading the source."""
    queue: asyncio.Queue[T] = asyncio.Queue()

    async def pump() -> None:
        async for item in source:
            queue.put_nowait(item)

    pumping = asyncio.create_task(pump())
    getting: asyncio.Future[T] | None = None
    try:
        while True:
            if queue.empty():
                if pumping.done():
                    pumping.result()  # raises the source's error, if it failed
                    return
                getting = asyncio.ensure_future(queue.get())
                await asyncio.wait({getting, pumping}, return_when=asyncio.FIRST_COMPLETED)
                if not getting.done():  # the source stopped: deliver what is left, then end
                    getting.cancel()
                    getting = None
                    continue
            items = [getting.result()] if getting is not None and getting.done() else []
            getting = None
            while not queue.empty():
                items.append(queue.get_nowait())
            yield items
    finally:
        for task in (getting, pumping):
            if task is not None:
                task.cancel()
