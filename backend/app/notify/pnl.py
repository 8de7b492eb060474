"""Realised P&L from the fills table, replayed through the account ledger (average cost), so
messages and the /profit command count P&L exactly as the paper account books it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.brokers.sim_ledger import Ledger
from app.domain import Side
from app.models import FillRecord


@dataclass(frozen=True, slots=True)
class Booked:
    """One fill as the ledger saw it: did it reduce a position, and what it realised net."""

    fill: FillRecord
    exiting: bool
    realised: float  # net of the fill's commission; 0 for entries


def replay(fills: Iterable[FillRecord]) -> Iterator[Booked]:
    ledger = Ledger(0.0)
    for fill in fills:
        held = ledger.position_qty(fill.symbol)
        side = Side(fill.side)
        gross = ledger.book(fill.symbol, side, float(fill.qty), float(fill.price), 0.0)
        exiting = held != 0 and (held > 0) != (side is Side.BUY)
        net = gross - float(fill.commission) if exiting else 0.0
        yield Booked(fill, exiting, net)


async def booked_fill(session: AsyncSession, fill_id: int) -> Booked | None:
    """The fill with this id, replayed after every earlier fill of its symbol."""
    fill = await session.get(FillRecord, fill_id)
    if fill is None:
        return None
    query = (
        select(FillRecord)
        .where(FillRecord.symbol == fill.symbol, FillRecord.id <= fill_id)
        .order_by(FillRecord.id)
    )
    *_, last = replay(await session.scalars(query))
    return last


@dataclass(frozen=True, slots=True)
class Realised:
    pnl: float
    fills: int
    exits: int


async def realised_since(session: AsyncSession, since: datetime) -> Realised:
    """P&L realised by fills at or after `since` (positions opened earlier count their basis)."""
    rows = await session.scalars(select(FillRecord).order_by(FillRecord.id))
    recent = [b for b in replay(rows) if b.fill.filled_at >= since]
    return Realised(
        pnl=sum(b.realised for b in recent),
        fills=len(recent),
        exits=sum(1 for b in recent if b.exiting),
    )
