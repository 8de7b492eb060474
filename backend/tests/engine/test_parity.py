"""One market simulation: the same strategy on the same bars through the backtester and through
the live engine on the simulated broker (bars replayed one by one) gives the same orders, the
same fills (time, side, quantity, price, commission) and the same final equity; also when a
volume cap splits orders into partial fills over several bars."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app import backtest
from app.brokers.base import OrderQuery
from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.events import SafePublisher
from app.domain import OrderStatus
from app.models import FillRecord, OrderRecord, RiskSettingsRecord, StrategyInstanceRecord
from app.risk import RiskSettings
from app.strategies import BarFrame, build
from tests.engine.conftest import RecordingPublisher
from tests.engine.test_signals import bars_of
from tests.support.replay import replay_loop

# Long only on both sides: the live engine sends a sell signal without a position as a short,
# which this exchange refuses; the backtester drops it.
MARKET: dict[str, Any] = {
    "cash": 50_000.0,
    "slippage_bps": 5.0,
    "commission_per_share": 0.01,
    "allow_short": False,
}
Fill = tuple[datetime, str, float, float]  # time, side, qty, price


def walk(size: int, seed: int) -> BarFrame:
    """Minute bars opening at the previous close (the live engine sizes at the signal bar's
    close, the backtester at the fill bar's open: here they are one price)."""
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.004, size)))
    opens = np.concatenate(([50.0], close[:-1]))
    high = np.maximum(opens, close) * (1 + rng.random(size) * 0.002)
    low = np.minimum(opens, close) * (1 - rng.random(size) * 0.002)
    start = np.datetime64("2026-01-05T14:30", "us")
    times = start + np.arange(size) * np.timedelta64(1, "m")
    return BarFrame("SIMA", times, opens, high, low, close, np.full(size, 1e4))


def backtested(
    name: str, params: dict[str, Any], frame: BarFrame, market: dict[str, Any] = MARKET
) -> tuple[list[Fill], float, float]:
    """Fills, commission paid and final equity of the backtest."""
    config = backtest.BacktestConfig(**market)
    result = backtest.run(build(name, params), [frame], config)
    fills: list[Fill] = []
    for t in result.trades:
        fills.append((t.entry_time, "buy", t.qty, t.entry_price))
        if t.exit_time is not None and t.exit_price is not None:
            fills.append((t.exit_time, "sell", t.qty, t.exit_price))
    paid = sum(t.entry_commission + t.exit_commission for t in result.trades)
    return fills, paid, float(result.metrics["final_equity"])


async def traded_live(
    sessions: async_sessionmaker[AsyncSession],
    name: str,
    params: dict[str, Any],
    frame: BarFrame,
    market: dict[str, Any] = MARKET,
    publisher: RecordingPublisher | None = None,
) -> tuple[list[Fill], float, float, list[OrderRecord]]:
    """Fills, commission paid, final equity and the orders recorded by the live engine."""
    async with sessions.begin() as session:
        session.add(
            StrategyInstanceRecord(
                name=name, strategy=name, symbol="SIMA", params=params, enabled=True
            )
        )
        session.add(
            RiskSettingsRecord(settings=RiskSettings.permissive().model_dump(), updated_by="t")
        )
    broker = SimBroker(SimBrokerConfig(**market))
    loop, parts = await replay_loop(
        broker, sessions, SafePublisher(publisher or RecordingPublisher()), len(frame), 0.0
    )
    for bar in bars_of(frame):
        await loop.process([bar])
        await parts.reconciler.sync_orders(actor="engine")  # what the next bar's engine knows
        await parts.positions.sync()
    fills = [
        (o.updated_at, o.side.value, o.filled_qty, o.filled_avg_price or 0.0)
        for o in reversed(await broker.get_orders(OrderQuery.ALL))
        if o.status is OrderStatus.FILLED
    ]
    equity = (await broker.get_account()).equity
    async with sessions() as session:
        recorded = list(await session.scalars(select(OrderRecord).order_by(OrderRecord.id)))
    await broker.close()
    return fills, broker.commission_paid, equity, recorded


def broker_commission(broker: SimBroker, qty: float, price: float) -> float:
    return (
        qty * broker.config.commission_per_share + qty * price * broker.config.commission_bps / 1e4
    )


@pytest.mark.parametrize(
    ("name", "params", "seed"),
    [
        ("sma_crossover", {"fast": 5, "slow": 20}, 3),
        ("rsi_reversion", {"period": 6, "oversold": 35, "overbought": 65}, 4),
        ("bollinger_reversion", {"period": 15, "nbdev": 1.5}, 5),
    ],
)
async def test_backtester_and_live_engine_on_the_simulated_broker_agree(
    sessions: async_sessionmaker[AsyncSession], name: str, params: dict[str, Any], seed: int
) -> None:
    frame = walk(400, seed)
    expected, expected_paid, expected_equity = backtested(name, params, frame)
    assert len(expected) >= 6, "the walk must trade for this test to mean much"
    fills, paid, equity, recorded = await traded_live(sessions, name, params, frame)
    assert [(t.replace(tzinfo=UTC), *rest) for t, *rest in fills] == expected
    assert paid == pytest.approx(expected_paid, rel=1e-12)
    assert equity == pytest.approx(expected_equity, rel=1e-12)
    filled = [r for r in recorded if r.status == "filled"]
    assert [(r.side, float(r.qty)) for r in filled] == [(s, q) for _, s, q, _ in expected]
    others = [r for r in recorded if r.status != "filled"]
    refused = [r for r in others if r.status == "rejected"]
    assert all(r.side == "sell" and "insufficient qty" in (r.reject_reason or "") for r in refused)
    assert len(others) - len(refused) <= 1  # a signal on the last bar has no next bar to fill


CAPPED = MARKET | {"max_volume_share": 0.04}  # 400 of a bar's 10,000 shares: ~1,000 need 3 bars


async def test_with_a_volume_cap_both_fill_the_same_parts_and_the_engine_records_each(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    name, params, frame = "sma_crossover", {"fast": 5, "slow": 20}, walk(400, 3)
    config = backtest.BacktestConfig(**CAPPED)
    result = backtest.run(build(name, params), [frame], config)
    expected = [(f.time, f.side, f.qty, f.price) for f in result.fills]
    assert len(expected) > 2 * len(result.trades) >= 12, "the cap must split the orders"
    assert any("still working" in r.reason for r in result.rejected)
    published = RecordingPublisher()
    _, paid, equity, recorded = await traded_live(sessions, name, params, frame, CAPPED, published)
    async with sessions() as session:
        rows = list(await session.scalars(select(FillRecord).order_by(FillRecord.id)))
    fills = [(r.filled_at, r.side, float(r.qty), float(r.price)) for r in rows]
    assert [f[:3] for f in fills] == [f[:3] for f in expected]
    assert [f[3] for f in fills] == pytest.approx([f[3] for f in expected], rel=1e-12)
    assert paid == pytest.approx(sum(f.commission for f in result.fills), rel=1e-12)
    assert equity == pytest.approx(float(result.metrics["final_equity"]), rel=1e-12)
    # each split order went partially_filled -> filled, its rows adding up to its quantity
    states: dict[str, list[str]] = {}
    for snapshot in published.of("order"):
        seen = states.setdefault(snapshot.client_order_id, [])
        if not seen or seen[-1] != snapshot.status:
            seen.append(snapshot.status)
    split = [r for r in recorded if sum(1 for f in rows if f.order_id == r.id) > 1]
    assert split, "some orders must have filled in parts"
    for record in split:
        assert states[record.client_order_id][-2:] == ["partially_filled", "filled"]
        assert sum(float(f.qty) for f in rows if f.order_id == record.id) == float(record.qty)
