"""SQLAlchemy tables; importing this package registers all of them on Base.metadata."""

from app.models.base import Base
from app.models.control import (
    AuditRecord,
    EngineRunRecord,
    RiskSettingsRecord,
    StrategyInstanceRecord,
)
from app.models.research import HistoryBarRecord, HistoryCoverageRecord
from app.models.trading import (
    EquityPointRecord,
    FillRecord,
    OrderRecord,
    PositionSnapshotRecord,
    SignalRecord,
)

__all__ = [
    "AuditRecord",
    "Base",
    "EngineRunRecord",
    "EquityPointRecord",
    "FillRecord",
    "HistoryBarRecord",
    "HistoryCoverageRecord",
    "OrderRecord",
    "PositionSnapshotRecord",
    "RiskSettingsRecord",
    "SignalRecord",
    "StrategyInstanceRecord",
]
