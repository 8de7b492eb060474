"""Reusable per-thread work buffers: fresh multi-megabyte arrays cost a page fault per 4 KiB,
which on long series is slower than the arithmetic itself."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

_local = threading.local()


@contextmanager
def scratch() -> Iterator[Callable[[int], NDArray[np.float64]]]:
    """Hand out work buffers for the duration of a with-block; nested blocks get their own."""
    pool: list[NDArray[np.float64]] = _local.__dict__.setdefault("pool", [])
    entry_depth: int = _local.__dict__.setdefault("depth", 0)

    def take(size: int) -> NDArray[np.float64]:
        slot: int = _local.depth
        if slot == len(pool):
            pool.append(np.empty(size))
        elif pool[slot].size < size:
            pool[slot] = np.empty(size)
        _local.depth = slot + 1
        return pool[slot][:size]

    try:
        yield take
    finally:
        _local.depth = entry_depth
