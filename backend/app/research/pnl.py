"""Realised P&L from fills: FIFO lots close into trades, trades roll up into statistics.

No maintained library matches lots on this project's fill records (with fees and per-instance
attribution), so the matching is the short loop below.
"""

from __future__ import annotations

import logging
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

logger = logging.getLogger(__name__)

ZERO = Decimal(0)
GroupBy = Literal["instance", "symbol", "day", "week", "month"]


@dataclass(frozen=True)
class Fill:
    """One execution as stored: side is "buy" or "sell", qty is positive."""

    time: datetime
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    commission: Decimal = ZERO
    instance_id: int | None = None


@dataclass(frozen=True)
class ClosedTrade:
    """A lot opened by one fill and closed (wholly or in part) by a later one."""

    symbol: str
    instance_id: int | None
    side: Literal["long", "short"]
    qty: Decimal
    entry_time: datetime
    entry_price: Decimal
    exit_time: datetime
    exit_price: Decimal
    fees: Decimal
    pnl: Decimal  # after fees


@dataclass
class _Lot:
    fill: Fill
    qty: Decimal  # still open, signed: + long, - short
    fee_left: Decimal


@dataclass(frozen=True)
class OpenLot:
    symbol: str
    instance_id: int | None
    qty: Decimal  # signed
    price: Decimal


class FifoBook:
    """Per-symbol FIFO, as the broker nets positions; a trade keeps its entry's instance."""

    def __init__(self) -> None:
        self._lots: dict[str, deque[_Lot]] = defaultdict(deque)
        self.closed: list[ClosedTrade] = []

    def add(self, fill: Fill) -> None:
        if fill.qty <= 0:
            raise ValueError(f"fill qty must be positive, got {fill.qty}")
        sign = Decimal(1) if fill.side == "buy" else Decimal(-1)
        lots = self._lots[fill.symbol]
        left = fill.qty
        while left > 0 and lots and lots[0].qty * sign < 0:
            lot = lots[0]
            take = min(left, abs(lot.qty))
            entry_fee = lot.fee_left * take / abs(lot.qty)
            exit_fee = fill.commission * take / fill.qty
            long = lot.qty > 0
            gross = (fill.price - lot.fill.price) * take * (1 if long else -1)
            self.closed.append(
                ClosedTrade(
                    symbol=fill.symbol,
                    instance_id=lot.fill.instance_id,
                    side="long" if long else "short",
                    qty=take,
                    entry_time=lot.fill.time,
                    entry_price=lot.fill.price,
                    exit_time=fill.time,
                    exit_price=fill.price,
                    fees=entry_fee + exit_fee,
                    pnl=gross - entry_fee - exit_fee,
                )
            )
            lot.fee_left -= entry_fee
            lot.qty -= take * (1 if long else -1)
            left -= take
            if lot.qty == 0:
                lots.popleft()
        if left > 0:
            lots.append(_Lot(fill, left * sign, fill.commission * left / fill.qty))

    def open_lots(self) -> list[OpenLot]:
        return [
            OpenLot(symbol, lot.fill.instance_id, lot.qty, lot.fill.price)
            for symbol, lots in self._lots.items()
            for lot in lots
        ]


def closed_trades(fills: Iterable[Fill]) -> tuple[list[ClosedTrade], list[OpenLot]]:
    """Fills in time order (ties keep their given order) to closed trades and open lots."""
    book = FifoBook()
    for fill in sorted(fills, key=lambda f: f.time):
        book.add(fill)
    return book.closed, book.open_lots()


@dataclass(frozen=True)
class Stats:
    trades: int
    wins: int
    losses: int
    win_rate: float | None
    profit_factor: float | None
    average_win: Decimal | None
    average_loss: Decimal | None
    fees: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    max_drawdown: Decimal  # deepest fall of cumulative realised P&L from its peak, >= 0


def stats(trades: list[ClosedTrade], unrealized: Decimal = ZERO) -> Stats:
    wins = [t.pnl for t in trades if t.pnl > 0]
    losses = [t.pnl for t in trades if t.pnl < 0]
    gross_loss = -sum(losses, ZERO)
    peak = total = drawdown = ZERO
    for trade in sorted(trades, key=lambda t: t.exit_time):
        total += trade.pnl
        peak = max(peak, total)
        drawdown = max(drawdown, peak - total)
    return Stats(
        trades=len(trades),
        wins=len(wins),
        losses=len(losses),
        win_rate=len(wins) / len(trades) if trades else None,
        profit_factor=float(sum(wins, ZERO) / gross_loss) if gross_loss else None,
        average_win=sum(wins, ZERO) / len(wins) if wins else None,
        average_loss=sum(losses, ZERO) / len(losses) if losses else None,
        fees=sum((t.fees for t in trades), ZERO),
        realized_pnl=sum((t.pnl for t in trades), ZERO),
        unrealized_pnl=unrealized,
        max_drawdown=drawdown,
    )


def _period(kind: GroupBy) -> Callable[[ClosedTrade], str]:
    if kind == "instance":
        return lambda t: "manual" if t.instance_id is None else str(t.instance_id)
    if kind == "symbol":
        return lambda t: t.symbol
    if kind == "day":
        return lambda t: t.exit_time.date().isoformat()
    if kind == "week":
        return lambda t: "{}-W{:02d}".format(*t.exit_time.isocalendar()[:2])
    return lambda t: t.exit_time.strftime("%Y-%m")


def unrealized(lots: list[OpenLot], marks: Mapping[str, Decimal]) -> list[tuple[OpenLot, Decimal]]:
    """Each open lot's P&L at the mark; lots of symbols without a mark are left out."""
    return [(lot, (marks[lot.symbol] - lot.price) * lot.qty) for lot in lots if lot.symbol in marks]


def grouped(
    trades: list[ClosedTrade],
    by: GroupBy,
    lots: list[OpenLot] | None = None,
    marks: Mapping[str, Decimal] | None = None,
) -> dict[str, Stats]:
    """Statistics per instance, symbol or exit day/ISO week/month; open P&L by instance/symbol."""
    key = _period(by)
    buckets: dict[str, list[ClosedTrade]] = defaultdict(list)
    for trade in trades:
        buckets[key(trade)].append(trade)
    open_pnl: dict[str, Decimal] = defaultdict(Decimal)
    if by in ("instance", "symbol"):
        for lot, pnl in unrealized(lots or [], marks or {}):
            name = lot.symbol if by == "symbol" else str(lot.instance_id or "manual")
            open_pnl[name] += pnl
            buckets.setdefault(name, [])
    return {name: stats(rows, open_pnl.get(name, ZERO)) for name, rows in sorted(buckets.items())}
