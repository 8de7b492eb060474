"""The optional PDT guard counts day trades from the bot's own fills: Alpaca no longer reports a
day-trade count or a pattern-day-trader flag on the account."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain import Account
from app.engine.risk_gate import RiskGate, seed_risk_settings
from app.engine.window import RollingWindows
from app.models import FillRecord, OrderRecord, RiskSettingsRecord
from app.risk import RiskSettings

ACCOUNT = Account(cash=10_000, equity=10_000, buying_power=10_000, last_equity=10_000)


def _order(cid: str, side: str) -> OrderRecord:
    return OrderRecord(
        client_order_id=cid, source="strategy", symbol="AAPL", side=side, type="market",
        time_in_force="day", qty=Decimal(1), status="filled", filled_qty=Decimal(1),
    )  # fmt: skip


async def _fill(session: AsyncSession, cid: str, side: str, at: datetime) -> None:
    order = _order(cid, side)
    session.add(order)
    await session.flush()
    session.add(
        FillRecord(
            order_id=order.id, execution_id=cid, symbol="AAPL", side=side,
            qty=Decimal(1), price=Decimal(100), filled_at=at,
        )
    )  # fmt: skip


async def test_the_guard_is_off_by_default(sessions: async_sessionmaker[AsyncSession]) -> None:
    assert RiskSettings().pdt_guard is False
    await seed_risk_settings(sessions, simulated=False)  # a first start with real keys
    gate = RiskGate(sessions)
    batch = await gate.batch(ACCOUNT, [], RollingWindows(10))
    assert batch.day_trades == ()


async def test_day_trades_are_counted_from_own_fills(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    # 15:00 UTC is 10:00 in New York: a buy and a sell of AAPL that session is one day trade
    today = datetime.now(UTC).replace(hour=15, minute=0, second=0, microsecond=0)
    async with sessions.begin() as session:
        limits = RiskSettings(pdt_guard=True).model_dump()
        session.add(RiskSettingsRecord(settings=limits, updated_by="test"))
        await _fill(session, "in-1", "buy", today - timedelta(days=1))
        await _fill(session, "out-1", "sell", today - timedelta(days=1, hours=-2))
        await _fill(session, "in-2", "buy", today - timedelta(days=2))  # held overnight
        await _fill(session, "out-2", "sell", today - timedelta(days=1, hours=1))
    batch = await RiskGate(sessions).batch(ACCOUNT, [], RollingWindows(10))
    assert batch.day_trades == ((today - timedelta(days=1)).date(),)
