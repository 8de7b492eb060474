"""Live vs backtest: one live day of a strategy instance replayed through the backtester, and
each signal's outcome there set beside what the live engine stored (order, fill, rejection).

The replay runs the backtester (`app.backtest.run`) on the bars of the day plus a warm-up before
it, trading only the day's signals; so both sides see the same strategy, parameters, risk
settings and fill model, and any difference is one the user should know about.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from app.backtest import BacktestConfig, BacktestResult, run
from app.strategies import BarFrame, Strategy

logger = logging.getLogger(__name__)

PRICE_TOLERANCE = 0.005  # half a cent: fills closer than this are the same price
Key = tuple[datetime, str]  # (signal bar's open time, "buy" | "sell")


@dataclass(frozen=True)
class Outcome:
    """What became of one signal: filled, rejected, ignored, unfilled or absent (no signal)."""

    status: str
    reason: str | None = None
    qty: float | None = None
    price: float | None = None  # volume-weighted over the signal's fills


@dataclass(frozen=True)
class LiveSignal:
    """A stored signal of the instance with its order's fills (qty, price) or its rejection."""

    time: datetime
    side: str
    outcome: str  # the signal's: ordered, rejected, ignored, pending
    reason: str | None = None
    order_status: str | None = None
    fills: list[tuple[float, float]] = field(default_factory=list)

    def as_outcome(self) -> Outcome:
        if self.fills:
            qty = sum(q for q, _ in self.fills)
            return Outcome("filled", None, qty, sum(q * p for q, p in self.fills) / qty)
        if self.outcome == "rejected" or self.order_status == "rejected":
            return Outcome("rejected", self.reason)
        if self.outcome == "ordered":
            return Outcome("unfilled", f"order {self.order_status or 'without status'}")
        return Outcome("ignored", self.reason)


@dataclass(frozen=True)
class ReplayRow:
    time: datetime
    side: str
    live: Outcome
    backtest: Outcome
    differences: list[str]


@dataclass(frozen=True)
class Replay:
    rows: list[ReplayRow]
    bars: int  # bars of the day replayed
    warmup_bars: int  # bars before the day the indicators started from
    warmup_needed: int  # bars the live engine's window holds for this strategy

    @property
    def agree(self) -> bool:
        return all(not row.differences for row in self.rows)


def replay_day(
    strategy: Strategy,
    frame: BarFrame,
    config: BacktestConfig,
    day: tuple[datetime, datetime],
    live: Sequence[LiveSignal],
) -> Replay:
    """Backtest the day (frame holds its bars and the warm-up before) and compare signal by
    signal with the live ones."""
    start, end = day
    result = run(strategy, [frame], config, trade_from=start)
    ours = _backtest_outcomes(strategy, frame, result, start, end)
    theirs = {(s.time, s.side): s.as_outcome() for s in live}
    rows = [
        ReplayRow(time, side, live_out, test_out, differences(live_out, test_out))
        for time, side in sorted(ours.keys() | theirs.keys())
        for live_out, test_out in [
            (theirs.get((time, side), Outcome("absent")), ours.get((time, side), Outcome("absent")))
        ]
    ]
    in_day = sum(1 for t in range(len(frame)) if start <= frame.time_at(t) < end)
    return Replay(rows, in_day, len(frame) - in_day, strategy.history)


def differences(live: Outcome, backtest: Outcome) -> list[str]:
    """What a user should look at; empty when both sides did the same."""
    if live.status != backtest.status:
        return [f"live {_said(live)}, backtest {_said(backtest)}"]
    out: list[str] = []
    if live.price is None or live.qty is None or backtest.price is None or backtest.qty is None:
        return out
    if abs(live.price - backtest.price) > PRICE_TOLERANCE:
        out.append(f"fill price live {live.price:.4f}, backtest {backtest.price:.4f}")
    if live.qty != backtest.qty:
        out.append(f"quantity live {live.qty:g}, backtest {backtest.qty:g}")
    return out


def _said(outcome: Outcome) -> str:
    return outcome.status + (f" ({outcome.reason})" if outcome.reason else "")


def _backtest_outcomes(
    strategy: Strategy, frame: BarFrame, result: BacktestResult, start: datetime, end: datetime
) -> dict[Key, Outcome]:
    """Each of the day's signals in the backtest: its fills (a reversal has two), its rejection,
    or nothing (already in that position, or no later bar to fill at)."""
    fills: dict[Key, list[tuple[float, float]]] = {}
    for trade in result.trades:
        entry_side = "buy" if trade.direction > 0 else "sell"
        fills.setdefault((frame.time_at(trade.symbol_bar - 1), entry_side), []).append(
            (trade.qty, trade.entry_price)
        )
        if trade.exit_reason == "signal" and trade.exit_bar is not None:
            exit_side = "sell" if trade.direction > 0 else "buy"
            assert trade.exit_price is not None
            fills.setdefault((frame.time_at(trade.exit_bar - 1), exit_side), []).append(
                (trade.qty, trade.exit_price)
            )
    rejected = {(r.time, r.side): r.reason for r in result.rejected}
    series = strategy.evaluate(frame)
    out: dict[Key, Outcome] = {}
    for bar in series.indices():
        time = frame.time_at(int(bar))
        if not start <= time < end:
            continue
        side = "buy" if series.side[bar] > 0 else "sell"
        if (time, side) in fills:
            done = fills[(time, side)]
            qty = sum(q for q, _ in done)
            out[(time, side)] = Outcome("filled", None, qty, sum(q * p for q, p in done) / qty)
        elif (time.isoformat(), side) in rejected:
            out[(time, side)] = Outcome("rejected", rejected[(time.isoformat(), side)])
        elif bar + 1 >= len(frame):
            out[(time, side)] = Outcome("ignored", "no later bar to fill at")
        else:
            out[(time, side)] = Outcome(
                "ignored", "no order: already positioned that way, shorting off, or halted"
            )
    return out
