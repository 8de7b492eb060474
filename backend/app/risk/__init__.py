"""Risk manager: an ordered chain of rules between a signal and an order."""

from app.risk.calendar import MarketCalendar, calendar
from app.risk.chain import RiskChain
from app.risk.context import Decision, Proposal, Rejection, RiskContext, Step
from app.risk.rules import Rule
from app.risk.settings import RiskSettings

__all__ = [
    "Decision",
    "MarketCalendar",
    "Proposal",
    "Rejection",
    "RiskChain",
    "RiskContext",
    "RiskSettings",
    "Rule",
    "Step",
    "calendar",
]
