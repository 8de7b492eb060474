"""Query parameters that every list route shares, and one page of rows in one query."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from app.domain import SYMBOL_MAX_LENGTH, SYMBOL_PATTERN
from app.schemas.trading import Page

Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
Offset = Annotated[int, Query(ge=0, le=1_000_000, description="rows to skip")]
SymbolFilter = Annotated[
    str | None, Query(min_length=1, max_length=SYMBOL_MAX_LENGTH, pattern=SYMBOL_PATTERN)
]

Item = TypeVar("Item", bound=BaseModel)


async def fetch_page(
    session: AsyncSession,
    model: type[DeclarativeBase],
    schema: type[Item],
    filters: Sequence[ColumnElement[bool]],
    order_by: Sequence[Any],
    limit: int,
    offset: int,
) -> Page[Item]:
    """The page's rows and the count of every matching row in one query (count(*) OVER ()),
    as plain rows: the schemas take the columns, so no ORM object is built for a read-only list."""
    total_column = func.count().over().label("page_total")
    rows = (
        await session.execute(
            select(*model.__table__.columns, total_column)
            .where(*filters)
            .order_by(*order_by)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    if rows:
        total = int(rows[0].page_total)
    elif offset:  # past the end: the window had no row to carry the count
        count = select(func.count()).select_from(model).where(*filters)
        total = int(await session.scalar(count) or 0)
    else:
        total = 0
    # From a dict: pydantic reads one twice as fast as a Row's attributes or mapping.
    items = [schema.model_validate(dict(row._mapping)) for row in rows]
    return Page(items=items, total=total, limit=limit, offset=offset)
