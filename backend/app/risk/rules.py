"""The risk rules. Each sees a proposal and the account, and passes, sizes, shrinks or rejects
it. Closing proposals (reducing a position) only meet the rules marked limits_closing."""

from __future__ import annotations

import math
import sys
from abc import ABC, abstractmethod
from typing import ClassVar

from app.domain import Side
from app.risk.calendar import MarketCalendar
from app.risk.context import Proposal, Rejection, RiskContext

_ALMOST_ALL = 1 - sys.float_info.epsilon  # spend all cash but never a rounding more


class Rule(ABC):
    """One link of the risk chain."""

    name: ClassVar[str]
    limits_closing: ClassVar[bool] = False  # True if it may stop a position being closed

    @abstractmethod
    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        """The proposal, possibly resized, or a Rejection with its reason."""


class MarketHours(Rule):
    """Orders only while the exchange's regular session is open (holidays and half days too)."""

    name = "market_hours"
    limits_closing = True

    def __init__(self, calendar: MarketCalendar) -> None:
        self.calendar = calendar

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if self.calendar.is_open(ctx.now):
            return proposal
        return Rejection(f"market closed at {ctx.now.isoformat()} ({self.calendar.name})")


class DrawdownKillSwitch(Rule):
    """Halt (optionally flatten) once equity has fallen max_drawdown below its peak."""

    name = "max_drawdown"

    def __init__(self, max_drawdown: float, flatten: bool) -> None:
        self.max_drawdown, self.flatten = max_drawdown, flatten

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if ctx.peak_equity <= 0 or proposal.closing:
            return proposal
        if ctx.equity > ctx.peak_equity * (1 - self.max_drawdown):
            return proposal
        drawdown = 1 - ctx.equity / ctx.peak_equity
        return Rejection(
            f"drawdown {drawdown:.2%} from peak {ctx.peak_equity:,.2f} reached the "
            f"{self.max_drawdown:.2%} limit: trading halted",
            halt=True,
            flatten=self.flatten,
        )


class EntriesStopped(Rule):
    """The operator stopped new entries (e.g. /stop from the phone); exits still go through."""

    name = "entries_stopped"

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing:
            return proposal
        return Rejection("new entries are stopped: only exits trade until they are started again")


class DailyLossLimit(Rule):
    """No new entries for the rest of the session once today's loss reaches the limit."""

    name = "daily_loss_limit"

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing or ctx.day_start_equity <= 0:
            return proposal
        if ctx.equity > ctx.day_start_equity * (1 - self.limit):
            return proposal
        change = ctx.equity / ctx.day_start_equity - 1
        return Rejection(
            f"today's loss {-change:.2%} reached the {self.limit:.2%} daily limit: "
            "no new entries until the next session"
        )


class PatternDayTrader(Rule):
    """Under the PDT equity floor, keep day trades in 5 business days within the allowance,
    counting positions opened today as day trades they could become."""

    name = "pattern_day_trader"

    def __init__(self, calendar: MarketCalendar, min_equity: float, max_day_trades: int) -> None:
        self.calendar, self.min_equity, self.max_day_trades = calendar, min_equity, max_day_trades

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing or ctx.equity >= self.min_equity:
            return proposal
        since = self.calendar.session_days_back(ctx.now, 5)
        recent = sum(1 for day in ctx.day_trades if day >= since)
        pending = len(ctx.opened_today - {proposal.signal.symbol})
        if proposal.signal.symbol in ctx.opened_today or recent + pending < self.max_day_trades:
            return proposal
        return Rejection(
            f"pattern day trader guard: equity {ctx.equity:,.2f} is under "
            f"{self.min_equity:,.0f} and {recent} day trades in 5 business days plus {pending} "
            f"opened today leave none of the {self.max_day_trades} allowed"
        )


class Cooldown(Rule):
    """No re-entry into a symbol for a while after it was stopped out."""

    name = "cooldown"

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        stopped = ctx.last_stop_out.get(proposal.signal.symbol)
        if proposal.closing or stopped is None:
            return proposal
        waited = (ctx.now - stopped).total_seconds() / 60
        if waited >= self.minutes:
            return proposal
        return Rejection(
            f"{proposal.signal.symbol} was stopped out {waited:.0f} min ago; "
            f"cooldown is {self.minutes} min"
        )


class MaxOpenPositions(Rule):
    """At most this many symbols held at once."""

    name = "max_open_positions"

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        held = [symbol for symbol, position in ctx.positions.items() if position.qty != 0]
        if proposal.closing or proposal.signal.symbol in held or len(held) < self.limit:
            return proposal
        return Rejection(f"{len(held)} positions open, the limit is {self.limit}")


class AtrRiskSizing(Rule):
    """Size so that a stop atr_multiple ATRs away loses risk_per_trade of equity."""

    name = "position_sizing"

    def __init__(self, risk_per_trade: float, atr_multiple: float, reward: float | None) -> None:
        self.risk_per_trade, self.atr_multiple, self.reward = risk_per_trade, atr_multiple, reward

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing:
            return proposal
        if ctx.atr is None or not math.isfinite(ctx.atr) or ctx.atr <= 0:
            return Rejection(f"no ATR for {proposal.signal.symbol}: cannot place a stop")
        distance = self.atr_multiple * ctx.atr
        qty = math.floor(ctx.equity * self.risk_per_trade / distance)
        if qty < 1:
            return Rejection(
                f"risking {self.risk_per_trade:.2%} of {ctx.equity:,.2f} with a stop "
                f"{distance:.4g} away buys less than one share"
            )
        sign = 1 if proposal.signal.side is Side.BUY else -1
        target = ctx.price + sign * distance * self.reward if self.reward else None
        return Proposal(proposal.signal, False, qty, ctx.price - sign * distance, target)


class AllInSizing(Rule):
    """As many whole shares as cash buys at the fill price, commissions included."""

    name = "position_sizing"

    def __init__(self, commission_pct: float = 0.0, commission_per_share: float = 0.0) -> None:
        self.commission_pct, self.commission_per_share = commission_pct, commission_per_share

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing:
            return proposal
        unit_cost = ctx.price * (1 + self.commission_pct) + self.commission_per_share
        qty = float((ctx.cash * _ALMOST_ALL) // unit_cost) if unit_cost > 0 else 0.0
        if qty < 1:
            return Rejection(f"cash {ctx.cash:,.2f} buys no share at {ctx.price:.4g}")
        return proposal.with_qty(qty)


class MaxPositionSize(Rule):
    """No single position worth more than max_pct of equity."""

    name = "max_position_size"

    def __init__(self, max_pct: float) -> None:
        self.max_pct = max_pct

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing:
            return proposal
        held = abs(ctx.position_qty(proposal.signal.symbol))
        allowed = math.floor(self.max_pct * ctx.equity / ctx.price) - held
        if allowed >= proposal.qty:
            return proposal
        if allowed < 1:
            return Rejection(
                f"{proposal.signal.symbol} already at the {self.max_pct:.0%} of equity limit"
            )
        return proposal.with_qty(float(allowed))


class MaxGrossExposure(Rule):
    """Total absolute position value at most max_gross times equity."""

    name = "max_gross_exposure"

    def __init__(self, max_gross: float) -> None:
        self.max_gross = max_gross

    def apply(self, proposal: Proposal, ctx: RiskContext) -> Proposal | Rejection:
        if proposal.closing:
            return proposal
        room = self.max_gross * ctx.equity - ctx.gross_exposure
        allowed = math.floor(room / ctx.price) if room > 0 else 0
        if allowed >= proposal.qty:
            return proposal
        if allowed < 1:
            return Rejection(
                f"gross exposure {ctx.gross_exposure:,.2f} leaves no room under "
                f"{self.max_gross:g}x equity"
            )
        return proposal.with_qty(float(allowed))
