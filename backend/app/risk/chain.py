"""RiskChain: the ordered rules between a signal and an order."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from app.domain import Side, Signal
from app.risk.calendar import calendar
from app.risk.context import Decision, Outcome, Proposal, Rejection, RiskContext, Step
from app.risk.rules import (
    AllInSizing,
    AtrRiskSizing,
    Cooldown,
    DailyLossLimit,
    DrawdownKillSwitch,
    EntriesStopped,
    MarketHours,
    MaxGrossExposure,
    MaxOpenPositions,
    MaxPositionSize,
    PatternDayTrader,
    Rule,
)
from app.risk.settings import RiskSettings

logger = logging.getLogger(__name__)


class RiskChain:
    """Runs rules in order; the first rejection ends the chain and its reason is kept."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = tuple(rules)
        self.closing_rules = tuple(rule for rule in rules if rule.limits_closing)

    @classmethod
    def from_settings(
        cls,
        settings: RiskSettings,
        commission_pct: float = 0.0,
        commission_per_share: float = 0.0,
    ) -> RiskChain:
        """The standard chain: gates first (hours, halt, loss, PDT, cooldown, slots), then
        sizing, then the caps that can only shrink."""
        rules: list[Rule] = []
        if settings.market_hours:
            rules.append(MarketHours(calendar()))
        if not settings.new_entries:
            rules.append(EntriesStopped())
        rules += [
            DrawdownKillSwitch(settings.max_drawdown, settings.flatten_on_halt),
            DailyLossLimit(settings.daily_loss_limit),
        ]
        if settings.pdt_guard:
            rules.append(
                PatternDayTrader(calendar(), settings.pdt_min_equity, settings.pdt_max_day_trades)
            )
        if settings.cooldown_minutes:
            rules.append(Cooldown(settings.cooldown_minutes))
        rules.append(MaxOpenPositions(settings.max_open_positions))
        if settings.sizing == "all_in":
            rules.append(AllInSizing(commission_pct, commission_per_share))
        else:
            rules.append(
                AtrRiskSizing(
                    settings.risk_per_trade,
                    settings.atr_stop_multiple,
                    settings.take_profit_multiple,
                )
            )
        rules += [
            MaxPositionSize(settings.max_position_pct),
            MaxGrossExposure(settings.max_gross_exposure),
        ]
        return cls(rules)

    def evaluate(self, signal: Signal, ctx: RiskContext) -> Decision:
        """Decide on a signal: close the opposite position if one is held, else open one."""
        held = ctx.position_qty(signal.symbol)
        direction = 1 if signal.side is Side.BUY else -1
        if held * direction > 0:
            proposal = Proposal(signal, closing=False)
            rejection = Rejection(f"already {'long' if held > 0 else 'short'} {signal.symbol}")
            return Decision(
                proposal, (Step("position", "rejected", 0.0, rejection.reason),), rejection
            )
        closing = held != 0
        return self.decide(Proposal(signal, closing, abs(held)), ctx)

    def decide(self, proposal: Proposal, ctx: RiskContext) -> Decision:
        """Run a prepared proposal through every rule (runs once per signal in a backtest, so
        steps are built as plain tuples)."""
        steps: list[Step] = []
        record = steps.append
        for rule in self.closing_rules if proposal.closing else self.rules:
            before = proposal.qty
            result = rule.apply(proposal, ctx)
            if isinstance(result, Rejection):
                record(_step(rule.name, "rejected", 0.0, result.reason))
                logger.info(
                    "%s %s rejected by %s: %s",
                    proposal.signal.side,
                    proposal.signal.symbol,
                    rule.name,
                    result.reason,
                )
                return Decision(proposal.with_qty(0.0), tuple(steps), result)
            proposal = result
            qty = result.qty
            if qty == before:
                record(_step(rule.name, "passed", qty, ""))
            elif before == 0:
                record(_step(rule.name, "sized", qty, ""))
            else:
                record(_step(rule.name, "shrunk", qty, f"from {before:g}"))
        if proposal.qty <= 0:
            rejection = Rejection("no rule sized the order")
            return Decision(proposal, tuple(steps), rejection)
        return Decision(proposal, tuple(steps))


def _step(rule: str, outcome: Outcome, qty: float, note: str) -> Step:
    """A Step without the keyword handling of its generated constructor."""
    return tuple.__new__(Step, (rule, outcome, qty, note))
