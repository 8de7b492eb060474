"""Cash, positions and P&L of a simulated account, booked fill by fill like a real broker does."""

from __future__ import annotations

import math
from dataclasses import dataclass

from app.domain import Position, Side

_ZERO = 1e-9  # quantities closer to zero than this are flat (fractional shares stay exact enough)


@dataclass(slots=True)
class Holding:
    """One open position: signed quantity and average entry price of what is still open."""

    qty: float
    avg_entry_price: float


class Ledger:
    """Books fills: average cost on adds, realized P&L on reductions, a new basis on reversals."""

    def __init__(self, initial_cash: float) -> None:
        self.cash = initial_cash
        self.realized_pl = 0.0  # gross of commission
        self.commission_paid = 0.0
        self.fills = 0
        self.holdings: dict[str, Holding] = {}
        self.marks: dict[str, float] = {}  # last known price per symbol; set with set_mark
        self._valued: dict[str, tuple[float, float]] = {}  # symbol -> (value, gross value)
        self._value = 0.0  # running sums of the above, so equity is O(1) per order
        self._gross = 0.0

    def position_qty(self, symbol: str) -> float:
        """Signed quantity held in `symbol` (0 when flat)."""
        holding = self.holdings.get(symbol)
        return holding.qty if holding else 0.0

    def book(self, symbol: str, side: Side, qty: float, price: float, commission: float) -> float:
        """Apply one fill; returns the P&L it realized (gross of commission)."""
        signed = qty if side is Side.BUY else -qty
        self.fills += 1
        self.cash -= signed * price + commission
        self.commission_paid += commission
        holding = self.holdings.get(symbol)
        realized = 0.0
        if holding is None or math.copysign(1, holding.qty) == math.copysign(1, signed):
            held = abs(holding.qty) if holding else 0.0
            basis = holding.avg_entry_price if holding else 0.0
            avg = (held * basis + qty * price) / (held + qty)
            self.holdings[symbol] = Holding(
                qty=(holding.qty if holding else 0.0) + signed, avg_entry_price=avg
            )
        else:
            closing = min(qty, abs(holding.qty))
            realized = closing * (price - holding.avg_entry_price) * math.copysign(1, holding.qty)
            remaining = holding.qty + signed
            if abs(remaining) < _ZERO:
                del self.holdings[symbol]
            elif math.copysign(1, remaining) == math.copysign(1, holding.qty):
                holding.qty = remaining
            else:  # reversed through zero: what is left is a new position opened at this price
                self.holdings[symbol] = Holding(qty=remaining, avg_entry_price=price)
        self.realized_pl += realized
        self.marks.setdefault(symbol, price)
        self._revalue(symbol)
        return realized

    def set_mark(self, symbol: str, price: float) -> None:
        """Record the last traded price of `symbol` and revalue its position."""
        self.marks[symbol] = price
        self._revalue(symbol)

    def _revalue(self, symbol: str) -> None:
        old_value, old_gross = self._valued.pop(symbol, (0.0, 0.0))
        holding = self.holdings.get(symbol)
        value = holding.qty * self.mark(symbol) if holding else 0.0
        if holding:
            self._valued[symbol] = (value, abs(value))
        self._value += value - old_value
        self._gross += abs(value) - old_gross

    def mark(self, symbol: str) -> float:
        """Last known price of `symbol`, falling back to the entry price when none was seen."""
        holding = self.holdings.get(symbol)
        return self.marks.get(symbol, holding.avg_entry_price if holding else 0.0)

    def positions(self) -> list[Position]:
        """Open positions valued at the last known prices, sorted by symbol."""
        return [
            Position(
                symbol=s, qty=h.qty, avg_entry_price=h.avg_entry_price, market_price=self.mark(s)
            )
            for s, h in sorted(self.holdings.items())
        ]

    def equity(self) -> float:
        """Cash plus the market value of every position (shorts count negative)."""
        return self.cash + self._value

    def gross_exposure(self) -> float:
        """Sum of absolute position values: what buying power is spent on."""
        return self._gross
