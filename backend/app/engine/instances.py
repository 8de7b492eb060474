"""The enabled strategy instances, built once and rebuilt only when their row changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models import StrategyInstanceRecord
from app.models.audit import add_audit
from app.strategies import Strategy, StrategyParams, build

logger = logging.getLogger(__name__)

# What a fresh install trades on each seeded symbol: (instance name, strategy, params).
DEFAULT_INSTANCES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("fast SMA crossover", "sma_crossover", {"fast": 5, "slow": 20}),
)


@dataclass(frozen=True, slots=True)
class LiveInstance:
    """A strategy instance, evaluated on its symbol's rolling window every bar."""

    id: int
    name: str
    strategy: str
    symbol: str
    updated_at: datetime
    rule: Strategy  # shared by the instances of the same strategy and parameters
    allow_short: bool = False  # may a sell signal open a short (the asset must allow it too)

    @property
    def history(self) -> int:
        """Bars of the window the strategy is evaluated on."""
        return self.rule.history


class InstanceSet:
    """Enabled instances grouped by symbol; `reload` picks up API changes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._by_id: dict[int, LiveInstance] = {}
        self._by_symbol: dict[str, list[LiveInstance]] = {}
        self._shared: dict[tuple[str, StrategyParams], Strategy] = {}

    async def reload(self) -> None:
        async with self._sessions() as session:
            rows = list(
                await session.scalars(
                    select(StrategyInstanceRecord).where(StrategyInstanceRecord.enabled)
                )
            )
        live: dict[int, LiveInstance] = {}
        for row in rows:
            known = self._by_id.get(row.id)
            if known is not None and known.updated_at == row.updated_at:
                live[row.id] = known
                continue
            try:
                strategy = self._one_per_setting(build(row.strategy, row.params))
            except (KeyError, ValueError) as exc:
                logger.error("strategy instance %d (%s) cannot run: %s", row.id, row.strategy, exc)
                continue
            live[row.id] = LiveInstance(
                row.id,
                row.name,
                row.strategy,
                row.symbol,
                row.updated_at,
                strategy,
                allow_short=row.allow_short,
            )
        self._by_id = live
        by_symbol: dict[str, list[LiveInstance]] = {}
        for instance in sorted(live.values(), key=lambda i: i.id):
            by_symbol.setdefault(instance.symbol, []).append(instance)
        self._by_symbol = by_symbol

    def _one_per_setting(self, strategy: Strategy) -> Strategy:
        """Instances with the same strategy and parameters share one Strategy object, so the
        engine evaluates it once per bar for all of them."""
        return self._shared.setdefault((strategy.name, strategy.params), strategy)

    def symbols(self) -> list[str]:
        return sorted(self._by_symbol)

    def longest_history(self) -> int:
        return max((i.history for i in self._by_id.values()), default=0)

    def for_symbol(self, symbol: str) -> list[LiveInstance]:
        return self._by_symbol.get(symbol, [])


async def seed_instances(sessions: async_sessionmaker[AsyncSession], symbols: list[str]) -> int:
    """On a fresh install, create enabled default instances so the bot trades by itself."""
    try:
        return await _seed(sessions, symbols)
    except IntegrityError:  # another process seeded at the same moment
        return 0


async def _seed(sessions: async_sessionmaker[AsyncSession], symbols: list[str]) -> int:
    async with sessions.begin() as session:
        # Writers wait, so an instance created through the API meanwhile is seen here: the user's
        # first instance never gets the defaults beside it.
        table = StrategyInstanceRecord.__tablename__
        await session.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        if await session.scalar(select(func.count()).select_from(StrategyInstanceRecord)):
            return 0
        rows = [
            StrategyInstanceRecord(
                name=name, strategy=strategy, symbol=symbol, params=params, enabled=True
            )
            for symbol in symbols
            for name, strategy, params in DEFAULT_INSTANCES
        ]
        session.add_all(rows)
        await session.flush()
        for row in rows:
            add_audit(
                session,
                "engine",
                "instance_seeded",
                "strategy_instance",
                row.id,
                after={"strategy": row.strategy, "symbol": row.symbol, "params": row.params},
            )
    logger.info("seeded %d default strategy instances on %s", len(rows), ", ".join(symbols))
    return len(rows)
