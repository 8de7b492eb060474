"""The bar-by-bar simulation: the same Strategy and RiskChain the live engine runs, driven over
history for one or many symbols sharing one cash account.

Conventions: a signal on bar t's close fills at bar t+1's open; prices, costs and bracket exits
follow the simulated market's rules (app.simulation.FillModel, which the paper exchange uses
too), with brackets live from the bar after the entry; a trade still open at the end is marked
at the last close. Equity is cash plus positions at each bar's close. Sizing sees the fill bar's
open, as in backtesting.py (the live engine sizes at the signal bar's close).

Only bars where something happens are visited one by one; the equity between them is filled
in with array arithmetic, which is what makes long histories fast."""

from __future__ import annotations

import bisect
import heapq
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import talib
from numpy.typing import NDArray

from app.backtest.config import BacktestConfig
from app.backtest.trades import Trade
from app.domain import Bar, Position, Side, Signal
from app.risk.chain import RiskChain
from app.risk.context import Decision, RiskContext
from app.simulation import FillModel
from app.strategies.base import SignalSeries, Strategy
from app.strategies.frame import BarFrame, FloatArray, to_datetime64

logger = logging.getLogger(__name__)

_FILL, _BRACKET = 0, 1  # order of events within one bar: open fills, then intrabar brackets
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
        self.fills = FillModel(config)
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
        self.rejected: list[Rejected] = []
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
            bar, phase, _, market_index, payload = heapq.heappop(self.events)
            self._advance(bar)
            if phase == _FILL:
                self._fill_signal(market_index, payload)
            else:
                self._bracket_exit(market_index, payload)
        self._advance(self.times.size)
        for index, trade in self.open_trades.items():
            trade.mark_price = float(self.markets[index].frame.close[-1])
        return SimulationOutput(
            self.times, self.equity, self._invested(), self.trades, self.rejected, self.halted_at
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
                np.multiply(closes, trade.direction * trade.qty, out=segment)
                first = False
            else:
                segment += (trade.direction * trade.qty) * closes
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
            self._close(index, fill_bar, self._slipped(price, -trade.direction), "signal")
        if opens:
            decision = self.chain.evaluate(signal, self._context(index, fill_bar, price))
            if decision.approved:
                self._open(index, fill_bar, direction, decision, price)
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
        for held_index in list(self.open_trades):
            market = self.markets[held_index]
            local = int(np.searchsorted(market.timeline_index, now_bar))
            if local < len(market.frame):
                price = float(market.frame.open[local])
                direction = self.open_trades[held_index].direction
                self._close(held_index, local, self._slipped(price, -direction), "halt")

    def _bracket_exit(self, index: int, trade_id: int) -> None:
        trade = self.open_trades.get(index)
        if trade is None or id(trade) != trade_id:
            return  # closed by a signal before its bracket was reached
        frame = self.markets[index].frame
        bar = self._bracket_bar(index, trade)
        assert bar is not None
        prices = Bar(
            trade.symbol,
            trade.entry_time,
            float(frame.open[bar]),
            float(frame.high[bar]),
            float(frame.low[bar]),
            float(frame.close[bar]),
            float(frame.volume[bar]),
        )
        exit_side = Side.SELL if trade.direction > 0 else Side.BUY
        outcome = self.fills.bracket_exit(exit_side, trade.stop_loss, trade.take_profit, prices)
        assert outcome is not None  # _bracket_bar found the bar that reaches one of them
        reason, price = outcome
        self._close(index, bar, price, reason)
        if reason == "stop_loss":
            self.stop_outs[trade.symbol] = self._time(index, bar)

    # -- fills ------------------------------------------------------------------------------

    def _slipped(self, price: float, direction: int) -> float:
        return self.fills.slipped(price, Side.BUY if direction > 0 else Side.SELL)

    def _commission(self, qty: float, price: float) -> float:
        return self.fills.commission(qty, price)

    def _open(
        self, index: int, bar: int, direction: int, decision: Decision, opening: float
    ) -> None:
        market = self.markets[index]
        qty = decision.proposal.qty
        price = self._slipped(opening, direction)
        commission = self._commission(qty, price)
        self.cash -= direction * qty * price + commission
        stop, target = decision.proposal.stop_loss, decision.proposal.take_profit
        if self.config.stop_loss_pct is not None:
            stop = price * (1 - direction * self.config.stop_loss_pct)
        if self.config.take_profit_pct is not None:
            target = price * (1 + direction * self.config.take_profit_pct)
        trade = Trade(
            market.frame.symbol,
            direction,
            qty,
            int(market.timeline_index[bar]),
            bar,
            self._time(index, bar),
            price,
            commission,
            stop,
            target,
        )
        self.open_trades[index] = trade
        self.trades.append(trade)
        if stop is not None or target is not None:
            hit = self._bracket_bar(index, trade)
            if hit is not None:
                heapq.heappush(
                    self.events,
                    (int(market.timeline_index[hit]), _BRACKET, hit, index, id(trade)),
                )

    def _close(self, index: int, bar: int, price: float, reason: str) -> None:
        market = self.markets[index]
        trade = self.open_trades.pop(index)
        commission = self._commission(trade.qty, price)
        self.cash += trade.direction * trade.qty * price - commission
        trade.exit_bar = int(market.timeline_index[bar])
        trade.exit_time = self._time(index, bar)
        trade.exit_price, trade.exit_commission, trade.exit_reason = price, commission, reason
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

    def _bracket_bar(self, index: int, trade: Trade) -> int | None:
        """First bar after the entry where the stop or the target is touched."""
        frame = self.markets[index].frame
        start = trade.symbol_bar + 1  # the exits go live on the bar after the entry
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
            qty = trade.direction * trade.qty
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
