"""What the risk chain reads (RiskContext), what it passes along (Proposal) and what it returns
(Decision), so the live engine and the backtester speak to it the same way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, NamedTuple

from app.domain import OrderRequest, OrderType, Position, Signal


@dataclass(frozen=True, slots=True)
class RiskContext:
    """The account as it stands when a signal arrives."""

    now: datetime  # timezone-aware
    equity: float
    cash: float
    price: float  # expected fill price of the signal's symbol
    atr: float | None  # average true range of the signal's symbol, for stop distances
    day_start_equity: float  # equity at the previous session's close
    peak_equity: float
    positions: Mapping[str, Position] = field(default_factory=dict)
    last_stop_out: Mapping[str, datetime] = field(default_factory=dict)
    day_trades: tuple[date, ...] = ()  # session date of each completed day trade
    opened_today: frozenset[str] = frozenset()  # symbols whose position was opened this session

    def position_qty(self, symbol: str) -> float:
        position = self.positions.get(symbol)
        return position.qty if position else 0.0

    @property
    def gross_exposure(self) -> float:
        return sum(abs(position.market_value) for position in self.positions.values())


@dataclass(frozen=True, slots=True)
class Proposal:
    """An order taking shape: opening (new or larger position) or closing an existing one."""

    signal: Signal
    closing: bool
    qty: float = 0.0
    stop_loss: float | None = None
    take_profit: float | None = None

    def with_qty(self, qty: float) -> Proposal:
        return Proposal(self.signal, self.closing, qty, self.stop_loss, self.take_profit)


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rule's refusal; halt asks the engine to stop trading, flatten to close everything."""

    reason: str
    halt: bool = False
    flatten: bool = False


Outcome = Literal["passed", "sized", "shrunk", "rejected"]


class Step(NamedTuple):
    """One rule's effect, kept in order so a decision can be explained afterwards."""

    rule: str
    outcome: Outcome
    qty: float
    note: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """The chain's answer: an approved, sized proposal, or the first rejection and its reason."""

    proposal: Proposal
    steps: tuple[Step, ...]
    rejection: Rejection | None = None

    @property
    def approved(self) -> bool:
        return self.rejection is None and self.proposal.qty > 0

    @property
    def reason(self) -> str:
        return self.rejection.reason if self.rejection else "approved"

    def order(self, client_order_id: str) -> OrderRequest:
        """The broker order for an approved decision (a bracket when stops were set)."""
        if not self.approved:
            raise ValueError(f"decision was not approved: {self.reason}")
        return OrderRequest(
            client_order_id=client_order_id,
            symbol=self.proposal.signal.symbol,
            side=self.proposal.signal.side,
            qty=self.proposal.qty,
            type=OrderType.MARKET,
            stop_loss=self.proposal.stop_loss,
            take_profit=self.proposal.take_profit,
        )
