"""When and at what price a resting order trades within one bar: the simulated exchange's rules.

Conventions (pessimistic where a bar cannot tell what happened first):

- Market orders fill at the bar's open plus slippage (buyers pay more, sellers get less).
- Limit orders fill when the bar reaches the limit, at the limit or at a better open (a gap).
  No slippage: a limit price is a guarantee.
- Stop orders trigger when the bar reaches the stop and fill at the stop, or at a worse open
  (a gap), plus slippage.
- Stop-limit orders trigger like stops, then fill at the trigger price if it is within the limit,
  otherwise they rest as limit orders from the next bar on.
- A bracket's two exit legs go live on the bar after the entry fills. If one bar reaches both
  legs, the leg the open already crossed wins (a gap); otherwise the stop-loss wins, since a
  bar cannot tell which came first and assuming the worst keeps backtests honest.
"""

from __future__ import annotations

from app.domain import Bar, Side


def tick_round(price: float) -> float:
    """Round to the exchange tick: a cent from $1 up, a hundredth of a cent below."""
    return round(price, 2 if price >= 1 else 4)


def slipped(price: float, side: Side, slippage_bps: float) -> float:
    """The price a marketable order really gets: worse by `slippage_bps` for its side."""
    factor = 1 + slippage_bps / 10_000 if side is Side.BUY else 1 - slippage_bps / 10_000
    return tick_round(price * factor)


def limit_fill(side: Side, limit: float, bar: Bar) -> float | None:
    """Fill price of a resting limit order in `bar`, or None if the bar never reached it."""
    if side is Side.BUY:
        return min(bar.open, limit) if bar.low <= limit else None
    return max(bar.open, limit) if bar.high >= limit else None


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
