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

from app.models import (
    EquityPointRecord,
    FillRecord,
    OrderRecord,
    PositionSnapshotRecord,
    SignalRecord,
)
from app.research.pnl import Fill
from app.research.replay import LiveSignal

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


async def live_signals(
    session: AsyncSession, instance_id: int, start: datetime, end: datetime
) -> list[LiveSignal]:
    """The instance's signals of bars in [start, end), each with its orders' status and fills."""
    signals = list(
        await session.scalars(
            select(SignalRecord)
            .where(
                SignalRecord.strategy_instance_id == instance_id,
                SignalRecord.bar_time >= start,
                SignalRecord.bar_time < end,
            )
            .order_by(SignalRecord.bar_time, SignalRecord.id)
        )
    )
    orders = list(
        await session.scalars(
            select(OrderRecord).where(OrderRecord.signal_id.in_([s.id for s in signals]))
        )
    )
    fills = await session.execute(
        select(FillRecord.order_id, FillRecord.qty, FillRecord.price).where(
            FillRecord.order_id.in_([o.id for o in orders])
        )
    )
    by_order: dict[int, list[tuple[float, float]]] = {}
    for order_id, qty, price in fills.all():
        by_order.setdefault(order_id, []).append((float(qty), float(price)))
    out = []
    for signal in signals:
        mine = [o for o in orders if o.signal_id == signal.id]
        reasons = [signal.rejection_reason] + [o.reject_reason for o in mine]
        out.append(
            LiveSignal(
                time=signal.bar_time,
                side=signal.side,
                outcome=signal.outcome,
                reason=next((r for r in reasons if r), None),
                order_status=mine[-1].status if mine else None,
                fills=[fill for o in mine for fill in by_order.get(o.id, [])],
            )
        )
    return out


async def equity_before(session: AsyncSession, moment: datetime) -> float | None:
    """The account's last recorded equity before moment, if any."""
    value = await session.scalar(
        select(EquityPointRecord.equity)
        .where(EquityPointRecord.time < moment)
        .order_by(EquityPointRecord.time.desc())
        .limit(1)
    )
    return float(value) if value is not None else None


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
