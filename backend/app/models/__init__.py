"""SQLAlchemy tables; importing this package registers all of them on Base.metadata."""

from app.models.base import Base
from app.models.control import AuditEntry, EngineRun, RiskSettingsRecord, StrategyInstance
from app.models.research import HistoryBar, HistoryCoverage
from app.models.trading import (
    EquityPoint,
    FillRecord,
    OrderRecord,
    PositionSnapshot,
    SignalRecord,
)

__all__ = [
    "AuditEntry",
    "Base",
    "EngineRun",
    "EquityPoint",
    "FillRecord",
    "HistoryBar",
    "HistoryCoverage",
    "OrderRecord",
    "PositionSnapshot",
    "RiskSettingsRecord",
    "SignalRecord",
    "StrategyInstance",
]
