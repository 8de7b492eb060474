"""Query parameters that every list route shares."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]
SymbolFilter = Annotated[
    str | None, Query(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9./-]+$")
]
