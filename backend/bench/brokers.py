"""SimBroker and the simulated market under the engine's load: 100 symbols, 3 orders each per bar.

Prints the p50/p99 time to match a full bar batch and place its orders, and how many simulated
bars per second the market generates.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
import time
from datetime import UTC, datetime

from app.brokers.sim import SimBroker, SimBrokerConfig
from app.domain import OrderRequest, OrderType, Side
from app.marketdata.simulated import SimulatedMarket

SYMBOLS = [f"S{n:03d}" for n in range(100)]
BATCHES = 300
ORIGIN = datetime(2026, 1, 5, 14, 30, tzinfo=UTC)


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(share * len(values)))]


async def bar_batches() -> list[float]:
    """Milliseconds per batch: every symbol's bar matched, then 3 orders per symbol placed."""
    market = SimulatedMarket(seed=1, origin=ORIGIN)
    feeds = [market.bars(s) for s in SYMBOLS]
    broker = SimBroker(SimBrokerConfig(cash=1e12, commission_per_share=0.005))
    timings = []
    for batch in range(BATCHES):
        bars = [next(feed) for feed in feeds]
        started = time.perf_counter()
        for bar in bars:
            broker.on_bar(bar)
            for k, side in enumerate((Side.BUY, Side.SELL, Side.BUY)):
                limit = round(bar.close * (0.99 if side is Side.BUY else 1.01), 2)
                await broker.submit_order(
                    OrderRequest(
                        f"{bar.symbol}-{batch}-{k}",
                        bar.symbol,
                        side,
                        1,
                        type=OrderType.LIMIT if k == 2 else OrderType.MARKET,
                        limit_price=limit if k == 2 else None,
                    )
                )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def market_speed() -> float:
    """Simulated bars generated per second."""
    market = SimulatedMarket(seed=1, origin=ORIGIN)
    started = time.perf_counter()
    count = sum(1 for _ in itertools.islice(market.bars("AAPL"), 200_000))
    return count / (time.perf_counter() - started)


def main() -> None:
    timings = asyncio.run(bar_batches())
    print(f"SimBroker, {len(SYMBOLS)} symbols x 3 orders per bar, {BATCHES} batches:")
    print(
        f"  batch p50 {statistics.median(timings):.2f} ms, p99 {percentile(timings, 0.99):.2f} ms"
    )
    print(f"Simulated market: {market_speed():,.0f} bars/s")


if __name__ == "__main__":
    main()
