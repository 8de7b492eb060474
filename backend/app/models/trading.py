"""What the bot did: signals, orders, fills, positions and equity over time."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAtMixin, IdMixin


class SignalRecord(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_symbol_bar_time", "symbol", "bar_time"),)

    strategy_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy_instances.id", ondelete="SET NULL")
    )
    strategy: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    bar_time: Mapped[datetime]
    side: Mapped[str] = mapped_column(String(8))
    strength: Mapped[float]
    reason: Mapped[str] = mapped_column(Text)
    values: Mapped[dict[str, Any]]
    # "ordered", "rejected" (by the risk chain) or "ignored"; rejection_reason keeps why.
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    rejection_reason: Mapped[str | None] = mapped_column(Text)


class OrderRecord(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_status", "status"),
        Index("ix_orders_symbol_created_at", "symbol", "created_at"),
        CheckConstraint("qty > 0", name="qty_positive"),
    )

    client_order_id: Mapped[str] = mapped_column(String(128), unique=True)
    broker_order_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    strategy_instance_id: Mapped[int | None] = mapped_column(
        ForeignKey("strategy_instances.id", ondelete="SET NULL")
    )
    signal_id: Mapped[int | None] = mapped_column(ForeignKey("signals.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(16))  # strategy, manual, kill_switch, reconcile
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    type: Mapped[str] = mapped_column(String(16))
    time_in_force: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal]
    limit_price: Mapped[Decimal | None]
    stop_price: Mapped[Decimal | None]
    take_profit: Mapped[Decimal | None]
    stop_loss: Mapped[Decimal | None]
    status: Mapped[str] = mapped_column(String(24))
    filled_qty: Mapped[Decimal] = mapped_column(default=Decimal(0))
    filled_avg_price: Mapped[Decimal | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class FillRecord(IdMixin, Base):
    __tablename__ = "fills"
    __table_args__ = (Index("ix_fills_symbol_filled_at", "symbol", "filled_at"),)

    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    execution_id: Mapped[str] = mapped_column(String(64), unique=True)  # broker's, for idempotency
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(8))
    qty: Mapped[Decimal]
    price: Mapped[Decimal]
    commission: Mapped[Decimal] = mapped_column(default=Decimal(0))
    filled_at: Mapped[datetime]


class PositionSnapshotRecord(IdMixin, Base):
    __tablename__ = "position_snapshots"
    __table_args__ = (Index("ix_position_snapshots_symbol_taken_at", "symbol", "taken_at"),)

    taken_at: Mapped[datetime]
    symbol: Mapped[str] = mapped_column(String(32))
    qty: Mapped[Decimal]
    avg_entry_price: Mapped[Decimal]
    market_price: Mapped[Decimal]


class EquityPointRecord(IdMixin, Base):
    __tablename__ = "equity_points"

    time: Mapped[datetime] = mapped_column(index=True)
    equity: Mapped[Decimal]
    cash: Mapped[Decimal]
