"""When and at what price an order trades within one bar, and what it costs: the rules of the
simulated market, shared by the backtester and the simulated broker.

Conventions (pessimistic where a bar cannot tell what happened first):

- Market orders fill at the bar's open plus slippage (buyers pay more, sellers get less).
- Limit orders fill when the bar reaches the limit, at the limit or at a better open (a gap).
  No slippage: a limit price is a guarantee.
- Stop orders trigger when the bar reaches the stop and fill at the stop, or at a worse open
  (a gap), plus slippage.
- Stop-limit orders trigger like stops, then fill at the trigger price if it is within the limit,
  otherwise they rest as limit orders from the next bar on.
- A bracket's two exits go live on the bar after its entry fills (the exchange places them once
  it has reported the fill). If one bar reaches both, the exit the open already crossed wins
  (a gap); otherwise the stop-loss, since a bar cannot tell which came first.
- Slipped and triggered prices are rounded to the exchange tick (unless the config says not
  to); commission is per share plus basis points of the traded value.

Volume caps (`max_volume_share`, off by default): one order takes at most that share of a bar's
volume, in whole shares; the rest stays working (partially filled) and trades on the next bars by
the same rules: a market order, or a stop once triggered, at each next open; a limit whenever
the bar reaches it. A DAY order expires when a bar of a later day arrives than the first bar it
met (its session; the simulated market never closes, so a session is a UTC day); bracket exits
are GTC. A bracket's exits go live once its entry is done (filled, or expired part filled) and
cover the quantity filled; the first exit to trade cancels the other, and its rest carries on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime

from app.domain import Bar, Side, TimeInForce
from app.simulation.config import MarketConfig

QTY_EPSILON = 1e-9  # a remaining quantity this small is nothing: the order is done


def tick_round(price: float) -> float:
    """Round to the exchange tick: a cent from $1 up, a hundredth of a cent below."""
    return round(price, 2 if price >= 1 else 4)


@dataclass(frozen=True, slots=True)
class FillModel:
    """The fill prices and costs of one market configuration."""

    config: MarketConfig

    def rounded(self, price: float) -> float:
        return tick_round(price) if self.config.round_to_tick else price

    def slipped(self, price: float, side: Side) -> float:
        """The price a marketable order really gets: worse by the slippage for its side."""
        bps = self.config.slippage_bps / 10_000
        return self.rounded(price * (1 + bps if side is Side.BUY else 1 - bps))

    def market(self, side: Side, bar: Bar) -> float:
        """Fill price of a market order resting before `bar`."""
        return self.slipped(bar.open, side)

    def limit(self, side: Side, limit: float, bar: Bar) -> float | None:
        """Fill price of a resting limit order in `bar`, or None if the bar never reached it."""
        if side is Side.BUY:
            return min(bar.open, limit) if bar.low <= limit else None
        return max(bar.open, limit) if bar.high >= limit else None

    def stop(self, side: Side, stop: float, bar: Bar) -> float | None:
        """Fill price of a stop order in `bar` (triggered, then slipped), or None."""
        trigger = stop_trigger(side, stop, bar)
        return None if trigger is None else self.slipped(trigger, side)

    def stop_limit(
        self, side: Side, stop: float, limit: float, bar: Bar
    ) -> tuple[bool, float | None]:
        """(triggered, fill price) of a stop-limit order not yet triggered: it fills at the
        trigger when that is within the limit, else rests as a limit from the next bar."""
        trigger = stop_trigger(side, stop, bar)
        if trigger is None:
            return False, None
        within = trigger <= limit if side is Side.BUY else trigger >= limit
        return True, self.rounded(trigger) if within else None

    def bracket_exit(
        self, exit_side: Side, stop: float | None, target: float | None, bar: Bar
    ) -> tuple[str, float] | None:
        """Which exit of a bracket trades in `bar` ("stop_loss" or "take_profit") and at what
        price, one-cancels-other: a leg the open already crossed wins, else the stop."""
        stopped = None if stop is None else self.stop(exit_side, stop, bar)
        taken = None if target is None else self.limit(exit_side, target, bar)
        if stopped is not None and taken is not None:
            assert target is not None
            if open_crossed(exit_side, target, bar, is_stop=False):
                return "take_profit", taken
            return "stop_loss", stopped
        if stopped is not None:
            return "stop_loss", stopped
        return ("take_profit", taken) if taken is not None else None

    def capacity(self, volume: float) -> float:
        """The most one order may trade in a bar of this volume: whole shares of the configured
        share of it, unbounded when no cap is set."""
        share = self.config.max_volume_share
        return math.inf if share is None else float(math.floor(volume * share + 1e-9))

    def fill_qty(self, remaining: float, volume: float) -> float:
        """How much of an order's remaining quantity trades in a bar of this volume."""
        return min(remaining, self.capacity(volume))

    @staticmethod
    def expired(time_in_force: TimeInForce, session: date, now: datetime) -> bool:
        """Whether an order still working at a bar of time `now` has expired: a DAY order once a
        later day than its session (the day of the first bar it met) has begun."""
        return time_in_force is TimeInForce.DAY and now.date() > session

    def commission(self, qty: float, price: float) -> float:
        """Per share plus basis points of the value traded."""
        return qty * (self.config.commission_per_share + price * self.config.commission_bps / 1e4)


def stop_trigger(side: Side, stop: float, bar: Bar) -> float | None:
    """Price at which a stop triggers in `bar` (before slippage), or None if it did not."""
    if side is Side.BUY:
        return max(bar.open, stop) if bar.high >= stop else None
    return min(bar.open, stop) if bar.low <= stop else None


def open_crossed(side: Side, price: float, bar: Bar, *, is_stop: bool) -> bool:
    """Whether the bar opened already beyond an exit leg's price (a gap through it)."""
    if is_stop:
        return bar.open >= price if side is Side.BUY else bar.open <= price
    return bar.open <= price if side is Side.BUY else bar.open >= price
