"""Stored fills, positions and equity read for analytics and exports (the database side of pnl)."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields, is_dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import EquityPointRecord, FillRecord, OrderRecord, PositionSnapshotRecord
from app.research.pnl import Fill

logger = logging.getLogger(__name__)


async def load_fills(session: AsyncSession, until: datetime | None = None) -> list[Fill]:
    """Fills with their order's strategy instance, oldest first; all of them, since a lot
    opened long ago may close in the period asked for (callers filter the trades)."""
    query = (
        select(FillRecord, OrderRecord.strategy_instance_id)
        .join(OrderRecord, OrderRecord.id == FillRecord.order_id)
        .order_by(FillRecord.filled_at, FillRecord.id)
    )
    if until is not None:
        query = query.where(FillRecord.filled_at < until)
    rows = (await session.execute(query)).all()
    return [
        Fill(
            time=row.filled_at,
            symbol=row.symbol,
            side=row.side,
            qty=row.qty,
            price=row.price,
            commission=row.commission,
            instance_id=instance_id,
        )
        for row, instance_id in rows
    ]


async def latest_marks(session: AsyncSession) -> dict[str, Decimal]:
    """The newest recorded market price per symbol (from the position snapshots)."""
    newest = (
        select(PositionSnapshotRecord.symbol, func.max(PositionSnapshotRecord.taken_at).label("at"))
        .group_by(PositionSnapshotRecord.symbol)
        .subquery()
    )
    query = select(PositionSnapshotRecord.symbol, PositionSnapshotRecord.market_price).join(
        newest,
        (PositionSnapshotRecord.symbol == newest.c.symbol)
        & (PositionSnapshotRecord.taken_at == newest.c.at),
    )
    return {symbol: price for symbol, price in (await session.execute(query)).all()}


async def equity_rows(
    session: AsyncSession, since: datetime | None = None, until: datetime | None = None
) -> list[EquityPointRecord]:
    query = select(EquityPointRecord).order_by(EquityPointRecord.time)
    if since is not None:
        query = query.where(EquityPointRecord.time >= since)
    if until is not None:
        query = query.where(EquityPointRecord.time < until)
    return list(await session.scalars(query))


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def to_csv(rows: Iterable[Any], columns: Sequence[str] | None = None) -> str:
    """Dataclasses or mappings as CSV text, one header line first."""
    buffer = io.StringIO()
    items = [asdict(r) if is_dataclass(r) and not isinstance(r, type) else dict(r) for r in rows]
    header = list(columns or (items[0].keys() if items else []))
    writer = csv.DictWriter(buffer, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow({key: _cell(item.get(key)) for key in header})
    return buffer.getvalue()


def columns_of(kind: type) -> list[str]:
    return [f.name for f in fields(kind)]
