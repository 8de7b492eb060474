"""Bar-to-order latency: 100 symbols x 3 strategies on SimBroker, one full bar batch at a time.

Each batch is 100 closed bars (one per symbol). The clock runs from the batch's arrival until
every order it caused is recorded in PostgreSQL and accepted by SimBroker: windows, strategies,
risk chain and database included (live events are queued, sent in background). Between batches
the previous one's live events go out, as they do live in the minute between bars; the fills of
its orders happen with the next bar, as on the simulated market, so they overlap that batch.
Target: p99 under 50 ms per batch. The machine's load average is printed with the figures.
Run: make bench, or cd backend && ../.venv/bin/python bench/engine_latency.py
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.brokers.sim import SimBroker, SimBrokerConfig
from app.core.db import make_engine, make_sessionmaker
from app.core.events import RedisPublisher, SafePublisher
from app.marketdata.simulated import SimulatedMarket
from app.models import RiskSettingsRecord, StrategyInstanceRecord
from app.risk import RiskSettings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # backend/, for bench and tests

from bench.support.services import percentile, services
from tests.support.replay import replay_loop

SYMBOLS = [f"S{i:03d}" for i in range(100)]
MIXES: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {  # three instances per symbol
    "sma+bollinger+rsi": (
        ("sma_crossover", {"fast": 3, "slow": 8}),
        ("bollinger_reversion", {}),
        ("rsi_reversion", {}),
    ),
    "sma+ema+macd": (
        ("sma_crossover", {"fast": 3, "slow": 8}),
        ("ema_crossover", {}),
        ("macd_trend", {}),
    ),
}
WARMUP_BATCHES = 400  # fills the windows (MACD reads 350 bars) and opens positions
BATCHES = 200
QUIET = 0.02  # seconds between batches (a minute, live)


async def measure(mix: str, strategies: tuple[tuple[str, dict[str, Any]], ...]) -> None:
    with services() as svc:
        db = make_engine(svc.database_url)
        sessions = make_sessionmaker(db)
        async with sessions.begin() as session:
            session.add_all(
                StrategyInstanceRecord(name=n, strategy=n, symbol=s, params=p, enabled=True)
                for s in SYMBOLS
                for n, p in strategies
            )
            limits = RiskSettings.permissive("atr_risk").model_copy(
                update={"max_position_pct": 0.005}
            )
            session.add(RiskSettingsRecord(settings=limits.model_dump(), updated_by="bench"))
        broker = SimBroker(SimBrokerConfig(cash=1e9))
        events = SafePublisher(RedisPublisher(svc.redis_url))
        loop, _ = await replay_loop(broker, sessions, events, 400)
        origin = datetime(2026, 1, 5, tzinfo=UTC)
        market = SimulatedMarket(seed=7, origin=origin, interval=timedelta(minutes=1))
        feeds = {symbol: market.bars(symbol) for symbol in SYMBOLS}
        follower = asyncio.create_task(loop.follow_trade_updates())  # fills move orders on
        for batch in range(WARMUP_BATCHES + BATCHES):
            if batch == WARMUP_BATCHES:
                loop.stats.batch_latencies.clear()
                loop.stats.strategy_seconds.clear()
                orders_before, signals_before = loop.stats.orders, loop.stats.signals
            await loop.process([next(feeds[s]) for s in SYMBOLS])
            await asyncio.sleep(QUIET)
            await events.flush()
        total = [t * 1000 for t in loop.stats.batch_latencies]
        strategies_only = [t * 1000 for t in loop.stats.strategy_seconds]
        placed = loop.stats.orders - orders_before
        signals = loop.stats.signals - signals_before
        p99 = percentile(total, 0.99)
        print(
            f"{mix}: {len(SYMBOLS)} symbols x {len(strategies)} strategies, {BATCHES} batches, "
            f"{signals / BATCHES:.1f} signals and {placed / BATCHES:.1f} orders per batch, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        print(
            f"  bar batch -> orders   p50 {percentile(total, 0.5):6.1f} ms  p99 {p99:6.1f} ms  "
            f"max {max(total):6.1f} ms   (target p99 < 50 ms: {'met' if p99 < 50 else 'NOT met'})"
        )
        print(
            f"  of which strategies   p50 {percentile(strategies_only, 0.5):6.1f} ms  "
            f"p99 {percentile(strategies_only, 0.99):6.1f} ms"
        )
        follower.cancel()
        await events.close()
        await broker.close()
        await db.dispose()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    for mix, strategies in MIXES.items():
        await measure(mix, strategies)


if __name__ == "__main__":
    asyncio.run(main())
