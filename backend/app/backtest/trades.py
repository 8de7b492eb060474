"""Trade: one position from entry fill to exit fill, with its costs; Execution: one fill."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Execution:
    """One fill on the simulated market: an order trades in one, or in parts under a volume cap."""

    time: datetime
    symbol: str
    side: str  # buy or sell
    qty: float
    price: float
    commission: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": self.time.isoformat(),
            "symbol": self.symbol,
            "side": self.side,
            "qty": self.qty,
            "price": self.price,
            "commission": self.commission,
        }


@dataclass(slots=True)
class Trade:
    """direction is +1 long or -1 short; exit time, bar and reason stay None while the trade is
    open. Under a volume cap a trade fills in parts: qty is what its entry bought (entry_price
    their average), exited what its exits sold so far (exit_price their average)."""

    symbol: str
    direction: int
    qty: float
    entry_bar: int  # index on the run's shared timeline
    symbol_bar: int  # index among the symbol's own bars
    entry_time: datetime
    entry_price: float
    entry_commission: float
    stop_loss: float | None = None
    take_profit: float | None = None
    exit_bar: int | None = None
    exit_time: datetime | None = None
    exit_price: float | None = None
    exit_commission: float = 0.0
    exit_reason: str | None = None
    mark_price: float | None = None  # last close, for a trade still open at the end
    exited: float = 0.0

    @property
    def held(self) -> float:
        """What is still open of the position."""
        return self.qty - self.exited

    @property
    def closed(self) -> bool:
        return self.exit_bar is not None

    @property
    def pnl(self) -> float:
        """Profit after both commissions (what is still held marked at the last close)."""
        entry = self.entry_price
        gross = self.held * ((self.mark_price or entry) - entry)
        if self.exit_price is not None:
            gross += self.exited * (self.exit_price - entry)
        return self.direction * gross - self.entry_commission - self.exit_commission

    def to_dict(self) -> dict[str, Any]:
        return {
            "symbol": self.symbol,
            "side": "long" if self.direction > 0 else "short",
            "size": self.qty,
            "entry_time": self.entry_time.isoformat(),
            "entry_price": self.entry_price,
            "exit_time": self.exit_time.isoformat() if self.exit_time else None,
            "exit_price": self.exit_price,
            "exit_reason": self.exit_reason,
            "stop_loss": self.stop_loss,
            "take_profit": self.take_profit,
            "commission": self.entry_commission + self.exit_commission,
            "pnl": self.pnl,
        }
