"""Each risk rule at its edges, and the chain that orders them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from app.domain import Position, Side, Signal
from app.risk import Proposal, Rejection, RiskChain, RiskContext, RiskSettings, calendar
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
)

NOW = datetime(2024, 7, 9, 15, 0, tzinfo=UTC)  # a Tuesday, 11:00 in New York


def signal(symbol: str = "AAPL", side: Side = Side.BUY) -> Signal:
    return Signal(symbol, NOW, side, 0.5, "test", "sma_crossover")


def context(**changes: object) -> RiskContext:
    base = RiskContext(
        now=NOW,
        equity=100_000.0,
        cash=100_000.0,
        price=100.0,
        atr=2.0,
        day_start_equity=100_000.0,
        peak_equity=100_000.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def opening(qty: float = 0.0, symbol: str = "AAPL", side: Side = Side.BUY) -> Proposal:
    return Proposal(signal(symbol, side), closing=False, qty=qty)


def closing(qty: float = 10.0) -> Proposal:
    return Proposal(signal(side=Side.SELL), closing=True, qty=qty)


def held(*symbols: str, qty: float = 10.0, price: float = 100.0) -> dict[str, Position]:
    return {symbol: Position(symbol, qty, price, price) for symbol in symbols}


def rejected(result: object, *words: str) -> bool:
    return isinstance(result, Rejection) and all(word in result.reason for word in words)


class TestMarketHours:
    rule = MarketHours(calendar())

    @pytest.mark.parametrize(
        ("moment", "is_open"),
        [
            (datetime(2024, 7, 9, 13, 29, tzinfo=UTC), False),  # 09:29 New York
            (datetime(2024, 7, 9, 13, 30, tzinfo=UTC), True),  # the opening minute
            (datetime(2024, 7, 9, 19, 59, tzinfo=UTC), True),
            (datetime(2024, 7, 9, 20, 0, tzinfo=UTC), False),  # 16:00, closed
            (datetime(2024, 7, 4, 15, 0, tzinfo=UTC), False),  # Independence Day
            (datetime(2024, 11, 29, 17, 59, tzinfo=UTC), True),  # half day, closes 13:00
            (datetime(2024, 11, 29, 18, 0, tzinfo=UTC), False),
            (datetime(2024, 7, 13, 15, 0, tzinfo=UTC), False),  # Saturday
            (datetime(2024, 1, 8, 14, 30, tzinfo=UTC), True),  # winter: 09:30 is 14:30 UTC
            (datetime(2024, 1, 8, 14, 29, tzinfo=UTC), False),
        ],
    )
    def test_session_edges(self, moment: datetime, is_open: bool) -> None:
        result = self.rule.apply(closing(), context(now=moment))
        assert (result == closing()) is is_open
        if not is_open:
            assert rejected(result, "market closed")

    def test_naive_time_is_an_error(self) -> None:
        with pytest.raises(ValueError, match="no timezone"):
            self.rule.apply(opening(), context(now=datetime(2024, 7, 9, 15)))


class TestDrawdownKillSwitch:
    def test_just_under_the_limit_passes(self) -> None:
        rule = DrawdownKillSwitch(0.2, flatten=False)
        assert rule.apply(opening(), context(equity=80_001.0)) == opening()

    def test_at_the_limit_halts_and_says_whether_to_flatten(self) -> None:
        for flatten in (False, True):
            result = DrawdownKillSwitch(0.2, flatten).apply(opening(), context(equity=80_000.0))
            assert rejected(result, "drawdown 20.00%", "halted")
            assert isinstance(result, Rejection) and result.halt and result.flatten is flatten

    def test_closing_is_never_blocked(self) -> None:
        assert DrawdownKillSwitch(0.2, True).apply(closing(), context(equity=1.0)) == closing()


class TestDailyLossLimit:
    rule = DailyLossLimit(0.03)

    def test_loss_just_under_limit_passes(self) -> None:
        assert self.rule.apply(opening(), context(equity=97_000.01)) == opening()

    def test_loss_at_limit_blocks_new_entries_until_next_session(self) -> None:
        assert rejected(self.rule.apply(opening(), context(equity=97_000.0)), "next session")

    def test_closing_still_allowed(self) -> None:
        assert self.rule.apply(closing(), context(equity=50_000.0)) == closing()


class TestEntriesStopped:
    def test_no_new_entry_while_stopped(self) -> None:
        assert rejected(EntriesStopped().apply(opening(), context()), "new entries are stopped")

    def test_exits_still_trade(self) -> None:
        assert EntriesStopped().apply(closing(), context()) == closing()

    def test_the_chain_has_it_only_when_entries_are_off(self) -> None:
        names = [r.name for r in RiskChain.from_settings(RiskSettings(new_entries=False)).rules]
        assert "entries_stopped" in names
        assert "entries_stopped" not in [
            r.name for r in RiskChain.from_settings(RiskSettings()).rules
        ]


class TestPatternDayTrader:
    rule = PatternDayTrader(calendar(), 25_000.0, 3)
    # The five sessions up to Tue 2024-07-09: Jul 2, 3, 5, 8, 9 (Jul 4 is a holiday).
    three_recent = (date(2024, 7, 2), date(2024, 7, 5), date(2024, 7, 8))

    def test_under_floor_with_three_day_trades_rejects_entries(self) -> None:
        ctx = context(equity=24_999.99, day_trades=self.three_recent)
        assert rejected(self.rule.apply(opening(), ctx), "pattern day trader", "3 day trades")

    def test_at_the_floor_the_guard_does_not_apply(self) -> None:
        ctx = context(equity=25_000.0, day_trades=self.three_recent)
        assert self.rule.apply(opening(), ctx) == opening()

    def test_trades_before_the_five_sessions_do_not_count(self) -> None:
        ctx = context(equity=10_000.0, day_trades=(date(2024, 7, 1), *self.three_recent[1:]))
        assert self.rule.apply(opening(), ctx) == opening()

    def test_positions_opened_today_count_as_potential_day_trades(self) -> None:
        ctx = context(
            equity=10_000.0, day_trades=self.three_recent[:2], opened_today=frozenset({"MSFT"})
        )
        assert rejected(self.rule.apply(opening(), ctx), "1 opened today")
        one_trade = replace(ctx, day_trades=self.three_recent[:1])
        assert self.rule.apply(opening(), one_trade) == opening()

    def test_closing_passes(self) -> None:
        ctx = context(equity=10_000.0, day_trades=self.three_recent)
        assert self.rule.apply(closing(), ctx) == closing()


class TestCooldown:
    rule = Cooldown(60)

    def test_inside_the_cooldown_rejects(self) -> None:
        ctx = context(last_stop_out={"AAPL": NOW - timedelta(minutes=59)})
        assert rejected(self.rule.apply(opening(), ctx), "stopped out 59 min ago")

    def test_cooldown_over_passes_and_other_symbols_are_free(self) -> None:
        ctx = context(last_stop_out={"AAPL": NOW - timedelta(minutes=60)})
        assert self.rule.apply(opening(), ctx) == opening()
        recent = context(last_stop_out={"MSFT": NOW})
        assert self.rule.apply(opening(), recent) == opening()


class TestMaxOpenPositions:
    rule = MaxOpenPositions(3)

    def test_below_limit_passes_at_limit_rejects(self) -> None:
        assert self.rule.apply(opening(), context(positions=held("A", "B"))) == opening()
        assert rejected(
            self.rule.apply(opening(), context(positions=held("A", "B", "C"))), "3 positions open"
        )

    def test_flat_entries_do_not_count_and_held_symbol_may_grow(self) -> None:
        positions = held("A", "B") | held("C", qty=0.0)
        assert self.rule.apply(opening(), context(positions=positions)) == opening()
        full = context(positions=held("A", "B", "AAPL"))
        assert self.rule.apply(opening(), full) == opening()


class TestAtrRiskSizing:
    def test_risks_the_fraction_over_the_stop_distance(self) -> None:
        result = AtrRiskSizing(0.01, 2.0, None).apply(opening(), context())
        # 1% of 100,000 = 1,000 at risk; stop 2 x ATR 2 = 4 away -> 250 shares.
        assert result == Proposal(signal(), False, 250.0, stop_loss=96.0, take_profit=None)

    def test_short_stop_is_above_and_take_profit_in_r_multiples(self) -> None:
        result = AtrRiskSizing(0.01, 2.0, 3.0).apply(opening(side=Side.SELL), context())
        assert isinstance(result, Proposal)
        assert (result.qty, result.stop_loss, result.take_profit) == (250.0, 104.0, 88.0)

    def test_rounds_down_to_whole_shares_and_rejects_below_one(self) -> None:
        result = AtrRiskSizing(0.01, 2.0, None).apply(opening(), context(atr=2.1))
        assert isinstance(result, Proposal) and result.qty == 238.0  # 1000 / 4.2 = 238.09
        tiny = context(equity=300.0, atr=2.0)
        assert rejected(AtrRiskSizing(0.01, 2.0, None).apply(opening(), tiny), "less than one")

    @pytest.mark.parametrize("atr", [None, float("nan"), 0.0])
    def test_without_atr_there_is_no_stop(self, atr: float | None) -> None:
        assert rejected(AtrRiskSizing(0.01, 2.0, None).apply(opening(), context(atr=atr)), "no ATR")


class TestAllInSizing:
    def test_whole_shares_cash_allows_never_a_rounding_more(self) -> None:
        assert AllInSizing().apply(opening(), context(cash=10_000.0)) == opening(99.0)
        assert AllInSizing().apply(opening(), context(cash=10_000.0, price=99.0)) == opening(101.0)

    def test_commissions_are_part_of_the_cost(self) -> None:
        rule = AllInSizing(commission_pct=0.01, commission_per_share=0.5)
        # each share costs 100 * 1.01 + 0.5 = 101.5 -> 98 shares out of 10,000
        assert rule.apply(opening(), context(cash=10_000.0)) == opening(98.0)

    def test_no_share_affordable_rejects(self) -> None:
        assert rejected(AllInSizing().apply(opening(), context(cash=99.0)), "buys no share")


class TestCaps:
    def test_position_size_shrinks_to_the_cap_counting_what_is_held(self) -> None:
        rule = MaxPositionSize(0.2)  # 20,000 of 100,000 at 100 -> 200 shares
        assert rule.apply(opening(150.0), context()) == opening(150.0)
        assert rule.apply(opening(250.0), context()) == opening(200.0)
        ctx = context(positions=held("AAPL", qty=150.0))
        assert rule.apply(opening(250.0), ctx) == opening(50.0)
        full = context(positions=held("AAPL", qty=200.0))
        assert rejected(rule.apply(opening(1.0), full), "20% of equity")

    def test_gross_exposure_shrinks_then_rejects(self) -> None:
        rule = MaxGrossExposure(1.0)
        ctx = context(positions=held("A", "B", qty=400.0))  # 80,000 held
        assert rule.apply(opening(200.0), ctx) == opening(200.0)
        assert rule.apply(opening(500.0), ctx) == opening(200.0)
        full = context(positions=held("A", "B", qty=500.0))
        assert rejected(rule.apply(opening(1.0), full), "no room")


class TestChain:
    settings = RiskSettings(
        market_hours=True, pdt_guard=True, cooldown_minutes=30, max_position_pct=0.2
    )

    def test_steps_are_kept_in_order_and_sizing_then_caps_apply(self) -> None:
        chain = RiskChain.from_settings(self.settings)
        decision = chain.evaluate(signal(), context(atr=0.5))  # wants 1000 shares
        assert decision.approved and decision.proposal.qty == 200.0
        assert [step.rule for step in decision.steps] == [
            "market_hours",
            "max_drawdown",
            "daily_loss_limit",
            "pattern_day_trader",
            "cooldown",
            "max_open_positions",
            "position_sizing",
            "max_position_size",
            "max_gross_exposure",
        ]
        assert [step.outcome for step in decision.steps][-3:] == ["sized", "shrunk", "passed"]
        order = decision.order("abc")
        assert (order.qty, order.side, order.stop_loss, order.client_order_id) == (
            200.0,
            Side.BUY,
            99.0,
            "abc",
        )

    def test_first_rejection_ends_the_chain_with_its_reason(self) -> None:
        chain = RiskChain.from_settings(self.settings)
        decision = chain.evaluate(signal(), context(equity=79_000.0))
        assert not decision.approved and decision.rejection is not None
        assert decision.rejection.halt and "halted" in decision.reason
        assert decision.steps[-1].rule == "max_drawdown" and len(decision.steps) == 2
        with pytest.raises(ValueError, match="not approved"):
            decision.order("x")

    def test_opposite_signal_closes_the_whole_position_despite_limits(self) -> None:
        chain = RiskChain.from_settings(self.settings)
        ctx = context(equity=50_000.0, positions=held("AAPL", qty=70.0))
        decision = chain.evaluate(signal(side=Side.SELL), ctx)
        assert decision.approved and decision.proposal.closing and decision.proposal.qty == 70.0

    def test_signal_in_the_direction_already_held_is_rejected(self) -> None:
        decision = RiskChain.from_settings(self.settings).evaluate(
            signal(), context(positions=held("AAPL"))
        )
        assert decision.reason == "already long AAPL"


def test_settings_are_bounded() -> None:
    with pytest.raises(ValidationError, match="risk_per_trade"):
        RiskSettings(risk_per_trade=0.5)
    with pytest.raises(ValidationError, match="max_open_positions"):
        RiskSettings(max_open_positions=0)
    with pytest.raises(ValidationError, match="extra"):
        RiskSettings(stop="x")  # type: ignore[call-arg]
    schema = RiskSettings.model_json_schema()["properties"]
    assert (
        schema["max_drawdown"]["exclusiveMinimum"] == 0 and schema["max_drawdown"]["maximum"] == 1
    )
