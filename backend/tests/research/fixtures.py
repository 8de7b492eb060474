"""A hand-worked ledger: six fills whose FIFO trades and statistics were computed on paper.

AAPL (instance 1): buy 10 @100 (fee 1.00), buy 5 @110 (fee 0.50), sell 12 @120 (fee 1.20),
sell 3 @105 (fee 0.30).
  sell 12 closes 10 @100: gross +200, fees 1.00 + 1.20*10/12 = 2.00, P&L 198.00
           and 2 of 5 @110: gross +20, fees 0.50*2/5 + 1.20*2/12 = 0.40, P&L 19.60
  sell 3 closes 3 @110: gross -15, fees 0.30 + 0.30 = 0.60, P&L -15.60
MSFT (manual): sell 4 @50 opens a short, buy 6 @45 covers it (+20.00) and opens 2 long @45;
  marked at 47 the open lot is +4.00.
Totals: 4 trades, 3 wins, P&L 222.00, fees 3.00, profit factor 237.60/15.60, average win 79.20,
average loss -15.60; cumulative P&L 217.60 -> 202.00 -> 222.00, so max drawdown 15.60.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D  # noqa: N817 (the ledger reads as a table)

from app.research.pnl import Fill


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=15, tzinfo=UTC)


LEDGER = [
    Fill(at("2026-01-05"), "AAPL", "buy", D(10), D(100), D("1.00"), 1),
    Fill(at("2026-01-06"), "AAPL", "buy", D(5), D(110), D("0.50"), 1),
    Fill(at("2026-01-07"), "AAPL", "sell", D(12), D(120), D("1.20"), 1),
    Fill(at("2026-01-14"), "AAPL", "sell", D(3), D(105), D("0.30"), 1),
    Fill(at("2026-02-02"), "MSFT", "sell", D(4), D(50), D(0), None),
    Fill(at("2026-02-03"), "MSFT", "buy", D(6), D(45), D(0), None),
]
MARKS = {"MSFT": D(47)}
