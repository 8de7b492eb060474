"""First-start seeding against a user who is quicker: what the user created in the meantime wins."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.engine.instances import seed_instances
from app.engine.risk_gate import seed_risk_settings
from app.models import RiskSettingsRecord, StrategyInstanceRecord
from tests.support.polling import wait_for


def waiting_on_a_lock(sessions: async_sessionmaker[AsyncSession]):  # type: ignore[no-untyped-def]
    """Whether some transaction waits for a lock another one holds (PostgreSQL's own view)."""

    async def check() -> bool:
        async with sessions() as session:
            query = select(func.count()).select_from(text("pg_locks")).where(text("NOT granted"))
            return bool(await session.scalar(query))

    return check


async def test_an_instance_created_while_seeding_runs_keeps_the_defaults_out(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as user:  # the API's insert, not yet committed
        user.add(
            StrategyInstanceRecord(name="mine", strategy="sma_crossover", symbol="AAPL", params={})
        )
        await user.flush()
        seeding = asyncio.ensure_future(seed_instances(sessions, ["SIMA"]))
        # Without the table lock it would count an empty table, insert and finish instead.
        await wait_for(waiting_on_a_lock(sessions), within=10, what="seeding waits for the user")
    assert await seeding == 0
    async with sessions() as session:
        names = list(await session.scalars(select(StrategyInstanceRecord.name)))
    assert names == ["mine"]


async def test_risk_settings_saved_while_seeding_runs_are_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as user:
        user.add(RiskSettingsRecord(settings={"max_positions": 3}, updated_by="admin"))
        await user.flush()
        seeding = asyncio.ensure_future(seed_risk_settings(sessions, simulated=True))
        await wait_for(waiting_on_a_lock(sessions), within=10, what="seeding waits for the user")
    await seeding
    async with sessions() as session:
        rows = list(await session.scalars(select(RiskSettingsRecord.updated_by)))
    assert rows == ["admin"]
