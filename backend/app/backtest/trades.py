"""Trade: one position from entry fill to exit fill, with its costs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Trade:
    """direction is +1 long or -1 short; exit fields stay None while the trade is open."""

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

    @property
    def closed(self) -> bool:
        return self.exit_price is not None

    @property
    def pnl(self) -> float:
        """Profit after both commissions (marked at the last close while open)."""
        price = self.exit_price if self.exit_price is not None else self.mark_price
        gross = self.direction * self.qty * ((price or self.entry_price) - self.entry_price)
        return gross - self.entry_commission - self.exit_commission

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
