"""The bar-by-bar simulation: the same Strategy and RiskChain the live engine runs, driven over
history for one or many symbols sharing one cash account.

Conventions: a signal on bar t's close fills at bar t+1's open; prices, costs and bracket exits
follow the simulated market's rules (app.simulation.FillModel, which the paper exchange uses
too), with brackets live from the bar after the entry; a trade still open at the end is marked
at the last close. Equity is cash plus positions at each bar's close. Sizing sees the fill bar's
open, as in backtesting.py (the live engine sizes at the signal bar's close).

Under a volume cap an order that does not fill whole works on, as on the paper exchange: while a
signal's order is working, the symbol's next signals are refused (the live engine waits for
its orders' answer too), and a position reverses only once it is flat.

Only bars where something happens are visited one by one; the equity between them is filled
in with array arithmetic, which is what makes long histories fast."""

from __future__ import annotations

import bisect
import heapq
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

import numpy as np
import talib
from numpy.typing import NDArray

from app.backtest.config import BacktestConfig
from app.backtest.trades import Execution, Trade
from app.domain import Bar, Position, Side, Signal
from app.risk.chain import RiskChain
from app.risk.context import Decision, RiskContext
from app.simulation import QTY_EPSILON, FillModel
from app.strategies.base import SignalSeries, Strategy
from app.strategies.frame import BarFrame, FloatArray, to_datetime64

logger = logging.getLogger(__name__)

# Order of events within one bar: a signal's order at the open, then the rest of orders still
# working (volume cap), then bracket exits within the bar.
_FILL, _WORK, _BRACKET = 0, 1, 2
_SEARCH_CHUNK = 64
_NOTHING: frozenset[str] = frozenset()
_highest = np.maximum.reduce


@dataclass(frozen=True, slots=True)
class Rejected:
    """A signal the risk chain turned down, and why."""

    time: str
    symbol: str
    side: str
    reason: str


Purpose = Literal["entry", "signal", "halt", "stop_loss", "take_profit"]


@dataclass(slots=True)
class _Working:
    """An order of one symbol on the simulated market: what is left of it to fill."""

    direction: int  # +1 buys, -1 sells
    remaining: float
    purpose: Purpose  # an entry, or why it exits
    gtc: bool = False  # bracket exits; the others are DAY orders
    session: date | None = None  # the day of the first bar it met
    limit: float | None = None  # a take-profit's rest trades where the bar reaches its limit
    stop: float | None = None  # an entry's bracket, placed once the entry is done
    target: float | None = None

    @property
    def blocks_signals(self) -> bool:
        """A strategy's own order: the live engine waits for it before the next signal."""
        return self.purpose in ("entry", "signal")


@dataclass(slots=True)
class _Market:
    """One symbol's bars, signals and ATR, plus where its bars sit on the shared timeline."""

    frame: BarFrame
    signals: SignalSeries
    atr: FloatArray
    timeline_index: NDArray[np.intp]


@dataclass(slots=True)
class SimulationOutput:
    """Raw outcome: shared timeline, equity and exposure at each close, trades, rejections."""

    times: NDArray[np.datetime64]
    equity: FloatArray
    invested: NDArray[np.bool_]
    trades: list[Trade]
    fills: list[Execution]
    rejected: list[Rejected] = field(default_factory=list)
    halted_at: datetime | None = None


class Simulation:
    """One run over a fixed set of frames; call run() once."""

    def __init__(
        self,
        strategy: Strategy,
        frames: Sequence[BarFrame],
        config: BacktestConfig,
        trade_from: datetime | None = None,
    ) -> None:
        """trade_from: signals of bars before it are not acted on (those bars only warm up)."""
        if not frames:
            raise ValueError("frames must hold at least one symbol's bars")
        symbols = [frame.symbol for frame in frames]
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"each symbol may appear once, got {symbols}")
        for frame in frames:
            backwards = np.flatnonzero(np.diff(frame.time) <= np.timedelta64(0, "us"))
            if backwards.size:
                at = int(backwards[0]) + 1
                raise ValueError(
                    f"{frame.symbol}: bar {at} time {frame.time[at]} is not after bar {at - 1}; "
                    "bars must be in time order, one per timestamp"
                )
        self.strategy, self.config = strategy, config
        self.chain = RiskChain.from_settings(
            config.risk, config.commission_bps / 10_000, config.commission_per_share
        )
        self.model = FillModel(config)
        self.capped = config.max_volume_share is not None
        self.times = (
            frames[0].time
            if len(frames) == 1
            else np.unique(np.concatenate([frame.time for frame in frames]))
        )
        self.markets = [
            _Market(
                frame,
                strategy.evaluate(frame),
                talib.ATR(frame.high, frame.low, frame.close, config.atr_period),
                np.arange(len(frame))
                if len(frames) == 1
                else np.searchsorted(self.times, frame.time),
            )
            for frame in frames
        ]
        self.closes = self._forward_filled_closes()
        self.close_rows = list(self.closes)
        self.day_start = self._previous_day_close_index()
        self.cash = config.cash
        self.equity = np.empty(self.times.size)
        self.filled = 0
        self.peak = config.cash
        self.open_trades: dict[int, Trade] = {}
        self.trades: list[Trade] = []
        self.executions: list[Execution] = []
        self.rejected: list[Rejected] = []
        self.working: dict[int, _Working] = {}  # by market: its one order still working
        self.legs: set[int] = set()  # markets whose trade's bracket exits are live
        self.stop_outs: dict[str, datetime] = {}
        self.day_trades: list[date] = []  # sorted, so the stale ones are a prefix
        self._day_trades_seen: tuple[date, ...] = ()
        self.events: list[tuple[int, int, int, int, int]] = []
        self._last_time: tuple[int, int, datetime] = (-1, -1, datetime.min)
        self.halted_at: datetime | None = None
        self.trade_from = to_datetime64(trade_from) if trade_from else None

    def run(self) -> SimulationOutput:
        """Simulate every event in time order, then fill in the equity to the last bar."""
        self._schedule_signal_fills()
        while self.events:
            bar, phase, local, market_index, payload = heapq.heappop(self.events)
            self._advance(bar)
            if phase == _FILL:
                self._fill_signal(market_index, payload)
            elif phase == _WORK:
                self._carry_on(market_index, local, payload)
            else:
                self._bracket_exit(market_index, local, payload)
        self._advance(self.times.size)
        for index, trade in self.open_trades.items():
            trade.mark_price = float(self.markets[index].frame.close[-1])
        return SimulationOutput(
            self.times,
            self.equity,
            self._invested(),
            self.trades,
            self.executions,
            self.rejected,
            self.halted_at,
        )

    # -- timeline ---------------------------------------------------------------------------

    def _forward_filled_closes(self) -> FloatArray:
        closes = np.full((len(self.markets), self.times.size), np.nan)
        for row, market in enumerate(self.markets):
            known = np.zeros(self.times.size, dtype=np.intp)
            known[market.timeline_index] = market.timeline_index
            np.maximum.accumulate(known, out=known)
            closes[row, market.timeline_index] = market.frame.close
            closes[row] = closes[row, known]
        return closes

    def _previous_day_close_index(self) -> NDArray[np.intp]:
        """For each bar, the last bar of an earlier UTC day (-1 when there is none)."""
        days = self.times.astype("datetime64[D]")
        starts = np.ones(days.size, dtype=bool)  # one pass instead of a search per bar
        np.not_equal(days[1:], days[:-1], out=starts[1:])
        first_of_day = np.where(starts, np.arange(days.size), 0)
        np.maximum.accumulate(first_of_day, out=first_of_day)
        return first_of_day - 1

    def _advance(self, bar: int) -> None:
        """Equity at the closes before bar, with the positions held since the last event (runs
        once per event: array calls only, the peak from one reduction)."""
        start = self.filled
        if bar <= start:
            return
        self.filled = bar
        segment = self.equity[start:bar]
        if not self.open_trades:
            segment.fill(self.cash)
            if self.cash > self.peak:
                self.peak = self.cash
            return
        first = True
        for index, trade in self.open_trades.items():
            closes = self.close_rows[index][start:bar]
            if first:
                np.multiply(closes, trade.direction * trade.held, out=segment)
                first = False
            else:
                segment += (trade.direction * trade.held) * closes
        segment += self.cash
        top = float(_highest(segment))
        if top > self.peak:
            self.peak = top

    # -- events -----------------------------------------------------------------------------

    def _schedule_signal_fills(self) -> None:
        for index, market in enumerate(self.markets):
            bars = market.signals.indices()
            bars = bars[bars + 1 < len(market.frame)]
            if self.trade_from is not None:
                bars = bars[market.frame.time[bars] >= self.trade_from]
            fill_bars = market.timeline_index[bars + 1]
            self.events.extend(
                (int(g), _FILL, int(b), index, int(b)) for g, b in zip(fill_bars, bars, strict=True)
            )
        heapq.heapify(self.events)

    def _fill_signal(self, index: int, signal_bar: int) -> None:
        market = self.markets[index]
        working = self.working.get(index)
        if working is not None and working.blocks_signals:
            signal = market.signals.at(signal_bar)
            assert signal is not None
            self.rejected.append(
                Rejected(
                    signal.time.isoformat(),
                    signal.symbol,
                    signal.side.value,
                    f"an order for {signal.symbol} is still working",
                )
            )
            return
        direction = int(market.signals.side[signal_bar])
        trade = self.open_trades.get(index)
        if trade is not None and trade.direction == direction:
            return
        opens = (direction > 0 or self.config.allow_short) and self.halted_at is None
        if trade is None and not opens:
            return
        signal = market.signals.at(signal_bar)
        assert signal is not None
        fill_bar = signal_bar + 1
        price = float(market.frame.open[fill_bar])
        if trade is not None:
            if self.chain.closing_rules:  # without any, the chain cannot refuse a close
                decision = self.chain.evaluate(signal, self._context(index, fill_bar, price))
                if not decision.approved:
                    self._reject(signal, decision)
                    return
            self._exit(index, fill_bar, "signal")
        if opens and index not in self.open_trades:  # a position reverses once it is flat
            decision = self.chain.evaluate(signal, self._context(index, fill_bar, price))
            if decision.approved:
                self._open(index, fill_bar, direction, decision)
            else:
                self._reject(signal, decision)
                if decision.rejection is not None and decision.rejection.halt:
                    self._halt(index, fill_bar, flatten=decision.rejection.flatten)

    def _halt(self, index: int, bar: int, flatten: bool) -> None:
        """Kill switch: no new positions for the rest of the run, and optionally close every
        open one at its next open."""
        self.halted_at = self._time(index, bar)
        logger.info("backtest halted at %s", self.halted_at.isoformat())
        if not flatten:
            return
        now_bar = int(self.markets[index].timeline_index[bar])
        self.working.clear()  # the kill switch cancels every order, then closes what is held
        for held_index in list(self.open_trades):
            market = self.markets[held_index]
            local = int(np.searchsorted(market.timeline_index, now_bar))
            if local < len(market.frame):
                self._exit(held_index, local, "halt")

    def _bracket_exit(self, index: int, bar: int, trade_id: int) -> None:
        trade = self.open_trades.get(index)
        if trade is None or id(trade) != trade_id or index not in self.legs:
            return  # closed, or its exits canceled by a signal, before the bracket was reached
        exit_side = Side.SELL if trade.direction > 0 else Side.BUY
        prices = self._bar(index, bar)
        outcome = self.model.bracket_exit(exit_side, trade.stop_loss, trade.take_profit, prices)
        assert outcome is not None  # _bracket_bar found the bar that reaches one of them
        reason, price = outcome
        order = _Working(
            -trade.direction,
            trade.held,
            reason,  # type: ignore[arg-type]  # bracket_exit names one of the two legs
            gtc=True,
            limit=trade.take_profit if reason == "take_profit" else None,
        )
        self.working[index] = order
        if not self._execute(index, bar, order, price):  # a bar with no volume to take
            del self.working[index]
            self._schedule_bracket(index, trade, bar + 1)
            return
        self.legs.discard(index)  # the first exit to trade cancels the other
        if reason == "stop_loss":
            self.stop_outs[trade.symbol] = self._time(index, bar)

    # -- orders and fills -------------------------------------------------------------------

    def _open(self, index: int, bar: int, direction: int, decision: Decision) -> None:
        """Send the approved entry; it trades from its first bar on."""
        proposal = decision.proposal
        order = _Working(
            direction, proposal.qty, "entry", stop=proposal.stop_loss, target=proposal.take_profit
        )
        self.working[index] = order
        self._work(index, bar, order)

    def _exit(self, index: int, bar: int, purpose: Purpose) -> None:
        """Close what is held with a market order; it takes the place of the trade's exits."""
        trade = self.open_trades[index]
        self.legs.discard(index)
        order = _Working(-trade.direction, trade.held, purpose)
        self.working[index] = order
        self._work(index, bar, order)

    def _carry_on(self, index: int, bar: int, order_id: int) -> None:
        order = self.working.get(index)
        if order is not None and id(order) == order_id:  # not canceled or replaced meanwhile
            self._work(index, bar, order)

    def _work(self, index: int, bar: int, order: _Working) -> None:
        """An order meets a bar: it expires (DAY orders, once a later day began than the first
        bar it met), or trades what the bar allows, at the open or at its limit."""
        if (
            order.session is not None
            and not order.gtc
            and self._time(index, bar).date() > order.session
        ):
            del self.working[index]
            if order.purpose == "entry":
                self._entry_done(index, bar, order)  # its exits go live at this bar
            return
        side = Side.BUY if order.direction > 0 else Side.SELL
        if order.limit is None:
            price: float | None = self.model.slipped(
                float(self.markets[index].frame.open[bar]), side
            )
        else:
            price = self.model.limit(side, order.limit, self._bar(index, bar))
        if price is None or not self._execute(index, bar, order, price):
            self._work_next(index, bar, order)

    def _work_next(self, index: int, bar: int, order: _Working) -> None:
        """The order carries on from the next bar; its session is the day of the first bar."""
        if order.session is None:
            order.session = self._time(index, bar).date()
        market = self.markets[index]
        if bar + 1 < len(market.frame):
            following = int(market.timeline_index[bar + 1])
            heapq.heappush(self.events, (following, _WORK, bar + 1, index, id(order)))

    def _execute(self, index: int, bar: int, order: _Working, price: float) -> bool:
        """Trade what the bar's volume allows of the order at `price`; False when nothing."""
        qty = order.remaining
        if self.capped:  # (without a cap every order fills whole: no volume to read)
            qty = self.model.fill_qty(qty, float(self.markets[index].frame.volume[bar]))
        if qty <= 0:
            return False
        order.remaining -= qty
        done = order.remaining < QTY_EPSILON
        if order.purpose == "entry":
            self._bought(index, bar, order.direction, qty, price)
        else:
            self._sold(index, bar, qty, price, order.purpose, done)
        if not done:
            self._work_next(index, bar, order)
            return True
        del self.working[index]
        if order.purpose == "entry":
            self._entry_done(index, bar + 1, order)  # exits go live on the bar after
        return True

    def _bought(self, index: int, bar: int, direction: int, qty: float, price: float) -> None:
        """An entry's fill: the trade opens with it, or grows (entry price their average)."""
        commission = self.model.commission(qty, price)
        self.cash -= direction * qty * price + commission
        self._executed(index, bar, direction, qty, price, commission)
        trade = self.open_trades.get(index)
        if trade is not None:
            total = trade.qty + qty
            trade.entry_price = (trade.qty * trade.entry_price + qty * price) / total
            trade.qty = total
            trade.entry_commission += commission
            return
        market = self.markets[index]
        trade = Trade(
            market.frame.symbol,
            direction,
            qty,
            int(market.timeline_index[bar]),
            bar,
            self._time(index, bar),
            price,
            commission,
        )
        self.open_trades[index] = trade
        self.trades.append(trade)

    def _executed(
        self, index: int, bar: int, direction: int, qty: float, price: float, commission: float
    ) -> None:
        side = "buy" if direction > 0 else "sell"
        symbol = self.markets[index].frame.symbol
        self.executions.append(
            Execution(self._time(index, bar), symbol, side, qty, price, commission)
        )

    def _entry_done(self, index: int, live_from: int, order: _Working) -> None:
        """The entry filled (or expired part filled): its bracket goes live from `live_from`."""
        trade = self.open_trades.get(index)
        if trade is None:
            return  # expired with nothing filled
        stop, target, direction, price = (
            order.stop,
            order.target,
            trade.direction,
            trade.entry_price,
        )
        if self.config.stop_loss_pct is not None:
            stop = price * (1 - direction * self.config.stop_loss_pct)
        if self.config.take_profit_pct is not None:
            target = price * (1 + direction * self.config.take_profit_pct)
        trade.stop_loss, trade.take_profit = stop, target
        if stop is not None or target is not None:
            self.legs.add(index)
            self._schedule_bracket(index, trade, live_from)

    def _schedule_bracket(self, index: int, trade: Trade, start: int) -> None:
        hit = self._bracket_bar(index, trade, start)
        if hit is not None:
            market = self.markets[index]
            heapq.heappush(
                self.events, (int(market.timeline_index[hit]), _BRACKET, hit, index, id(trade))
            )

    def _sold(
        self, index: int, bar: int, qty: float, price: float, reason: str, done: bool
    ) -> None:
        """An exit's fill: the trade shrinks (exit price their average), and closes when done."""
        trade = self.open_trades[index]
        commission = self.model.commission(qty, price)
        self.cash += trade.direction * qty * price - commission
        self._executed(index, bar, -trade.direction, qty, price, commission)
        if trade.exit_price is None:
            trade.exit_price = price
        else:
            trade.exit_price = (trade.exited * trade.exit_price + qty * price) / (
                trade.exited + qty
            )
        trade.exited = trade.qty if done else trade.exited + qty
        trade.exit_commission += commission
        if not done:
            return
        del self.open_trades[index]
        market = self.markets[index]
        trade.exit_bar = int(market.timeline_index[bar])
        trade.exit_time = self._time(index, bar)
        trade.exit_reason = reason
        if trade.exit_time.date() == trade.entry_time.date():
            recent = trade.exit_time.date() - timedelta(days=14)  # PDT looks 5 sessions back
            bisect.insort(self.day_trades, trade.exit_time.date())
            del self.day_trades[: bisect.bisect_left(self.day_trades, recent)]
            self._day_trades_seen = tuple(self.day_trades)

    def _reject(self, signal: Signal, decision: Decision) -> None:
        self.rejected.append(
            Rejected(signal.time.isoformat(), signal.symbol, signal.side.value, decision.reason)
        )

    # -- brackets ---------------------------------------------------------------------------

    def _bar(self, index: int, bar: int) -> Bar:
        frame = self.markets[index].frame
        return Bar(
            frame.symbol,
            self._time(index, bar),
            float(frame.open[bar]),
            float(frame.high[bar]),
            float(frame.low[bar]),
            float(frame.close[bar]),
            float(frame.volume[bar]),
        )

    def _bracket_bar(self, index: int, trade: Trade, start: int) -> int | None:
        """First bar from `start` on where the stop or the target is touched."""
        frame = self.markets[index].frame
        adverse, favourable = (
            (frame.low, frame.high) if trade.direction > 0 else (frame.high, frame.low)
        )
        sign = trade.direction
        chunk = _SEARCH_CHUNK
        while start < len(frame):
            stop = start + chunk
            hit = np.zeros(min(stop, len(frame)) - start, dtype=bool)
            if trade.stop_loss is not None:
                hit |= sign * (adverse[start:stop] - trade.stop_loss) <= 0
            if trade.take_profit is not None:
                hit |= sign * (favourable[start:stop] - trade.take_profit) >= 0
            found = np.flatnonzero(hit)
            if found.size:
                return start + int(found[0])
            start, chunk = stop, chunk * 2
        return None

    # -- context ----------------------------------------------------------------------------

    def _time(self, index: int, bar: int) -> datetime:
        """Aware time of a symbol's bar; one fill asks several times for the same bar."""
        if self._last_time[:2] != (index, bar):
            self._last_time = (index, bar, self.markets[index].frame.time_at(bar))
        return self._last_time[2]

    def _context(self, index: int, bar: int, price: float) -> RiskContext:
        """The account as the risk chain sees it at a fill (runs once per signal)."""
        market = self.markets[index]
        now_bar = int(market.timeline_index[bar])
        equity = self.cash
        positions: dict[str, Position] = {}
        for held_index, trade in self.open_trades.items():
            mark = price if held_index == index else float(self.close_rows[held_index][now_bar - 1])
            qty = trade.direction * trade.held
            equity += qty * mark
            positions[trade.symbol] = Position(trade.symbol, qty, trade.entry_price, mark)
        previous = int(self.day_start[now_bar])
        now = self._time(index, bar)
        return RiskContext(
            now,
            equity,
            self.cash,
            price,
            float(market.atr[bar - 1]),
            float(self.equity[previous]) if previous >= 0 else self.config.cash,
            equity if equity > self.peak else self.peak,
            positions,
            self.stop_outs,
            self._day_trades_seen,
            self._opened_on(now.date()) if self.open_trades else _NOTHING,
        )

    def _opened_on(self, day: date) -> frozenset[str]:
        return frozenset(
            [t.symbol for t in self.open_trades.values() if t.entry_time.date() == day]
        )

    def _invested(self) -> NDArray[np.bool_]:
        """Bars during which at least one position was held (entry and exit bars included)."""
        change = np.zeros(self.times.size + 1, dtype=np.int64)
        for trade in self.trades:
            change[trade.entry_bar] += 1
            change[trade.exit_bar + 1 if trade.exit_bar is not None else self.times.size] -= 1
        invested: NDArray[np.bool_] = np.cumsum(change[:-1]) > 0
        return invested
