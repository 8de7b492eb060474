"""How the bot is steered: strategy instances, risk settings, engine runs and the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, CreatedAtMixin, IdMixin


class StrategyInstanceRecord(IdMixin, CreatedAtMixin, Base):
    __tablename__ = "strategy_instances"
    __table_args__ = (UniqueConstraint("strategy", "symbol", "name"),)

    name: Mapped[str] = mapped_column(String(64))
    strategy: Mapped[str] = mapped_column(String(64))
    symbol: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]]
    enabled: Mapped[bool] = mapped_column(default=False)
    # a sell signal with nothing held opens a short only if this is on (and the asset allows it)
    allow_short: Mapped[bool] = mapped_column(default=False, server_default=false())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


class RiskSettingsRecord(IdMixin, Base):
    """One row: the risk chain's parameters as the user last saved them."""

    __tablename__ = "risk_settings"

    settings: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    updated_by: Mapped[str] = mapped_column(String(64))


class EngineRunRecord(IdMixin, Base):
    __tablename__ = "engine_runs"

    started_at: Mapped[datetime] = mapped_column(server_default=func.now())
    stopped_at: Mapped[datetime | None]
    holder: Mapped[str] = mapped_column(String(128))  # process that held the leader lock
    broker: Mapped[str] = mapped_column(String(32))
    data_source: Mapped[str] = mapped_column(String(32))
    stop_reason: Mapped[str | None] = mapped_column(Text)


class AuditRecord(IdMixin, Base):
    __tablename__ = "audit_log"

    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(64))  # a user name, "engine" or "reconciler"
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None]
    after: Mapped[dict[str, Any] | None]
    message: Mapped[str | None] = mapped_column(Text)
