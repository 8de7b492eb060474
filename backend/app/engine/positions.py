"""Positions as the broker reports them, written down whenever they change."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.brokers.base import Broker
from app.core.events import SafePublisher
from app.domain import Position
from app.models import PositionSnapshotRecord
from app.models.audit import add_audit

logger = logging.getLogger(__name__)

_QTY_EPSILON = 1e-9


async def latest_snapshots(session: AsyncSession) -> dict[str, PositionSnapshotRecord]:
    """The newest snapshot per symbol: what the database believes is held."""
    newest = (
        select(PositionSnapshotRecord.symbol, func.max(PositionSnapshotRecord.id).label("id"))
        .group_by(PositionSnapshotRecord.symbol)
        .subquery()
    )
    rows = await session.scalars(
        select(PositionSnapshotRecord).join(newest, newest.c.id == PositionSnapshotRecord.id)
    )
    return {row.symbol: row for row in rows}


class PositionBook:
    """Compares the broker's positions with the database and records what differs."""

    def __init__(
        self, broker: Broker, sessions: async_sessionmaker[AsyncSession], events: SafePublisher
    ) -> None:
        self._broker = broker
        self._sessions = sessions
        self._events = events

    async def sync(self, *, audit_as: str | None = None) -> int:
        """Snapshot each symbol whose quantity changed; with `audit_as`, each is a discrepancy."""
        held = {p.symbol: p for p in await self._broker.get_positions()}
        now = datetime.now(UTC)
        changed: list[Position] = []
        async with self._sessions.begin() as session:
            known = await latest_snapshots(session)
            for symbol in sorted(set(held) | set(known)):
                broker_qty = held[symbol].qty if symbol in held else 0.0
                db_qty = float(known[symbol].qty) if symbol in known else 0.0
                if abs(broker_qty - db_qty) <= _QTY_EPSILON:
                    continue
                position = held.get(symbol) or Position(symbol, 0.0, 0.0, 0.0)
                session.add(
                    PositionSnapshotRecord(
                        taken_at=now,
                        symbol=symbol,
                        qty=Decimal(str(position.qty)),
                        avg_entry_price=Decimal(str(position.avg_entry_price)),
                        market_price=Decimal(str(position.market_price)),
                    )
                )
                if audit_as:
                    add_audit(
                        session,
                        audit_as,
                        "position_corrected",
                        "position",
                        symbol,
                        before={"qty": db_qty},
                        after={"qty": broker_qty},
                        message="database differed from broker; broker taken as truth",
                    )
                changed.append(position)
        for position in changed:
            await self._events.publish("position", position)
        if changed and audit_as:
            logger.warning("reconciliation corrected %d position(s)", len(changed))
        return len(changed)
