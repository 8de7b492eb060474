"""The risk chain, live: builds the RiskContext from the broker's account and the database."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.domain import Account, Position, Side, Signal
from app.engine.window import RollingWindows
from app.models import EquityPointRecord, FillRecord, OrderRecord, RiskSettingsRecord
from app.models.audit import add_audit
from app.risk import Decision, RiskChain, RiskContext, RiskSettings

logger = logging.getLogger(__name__)


async def load_risk_settings(session: AsyncSession) -> RiskSettings:
    """The saved settings, or the defaults when none were saved yet."""
    row = await session.scalar(select(RiskSettingsRecord).order_by(RiskSettingsRecord.id.desc()))
    if row is None:
        return RiskSettings()
    try:
        return RiskSettings.model_validate(row.settings)
    except ValidationError as error:  # saved by an older version: say so, trade on defaults
        logger.error("saved risk settings #%d are invalid (%s); using defaults", row.id, error)
        return RiskSettings()


def save_risk_settings(
    session: AsyncSession, before: RiskSettings, after: RiskSettings, actor: str
) -> None:
    """Stage new settings and their audit row in the caller's transaction."""
    session.add(RiskSettingsRecord(settings=after.model_dump(mode="json"), updated_by=actor))
    add_audit(
        session,
        actor,
        "risk_update",
        "risk_settings",
        before=before.model_dump(mode="json"),
        after=after.model_dump(mode="json"),
    )


@dataclass(slots=True)
class RiskBatch:
    """One batch of signals checked against one view of the account; approvals count at once."""

    chain: RiskChain
    account: Account
    positions: dict[str, Position]
    windows: RollingWindows
    peak_equity: float
    last_stop_out: Mapping[str, datetime]
    opened_today: frozenset[str]
    day_trades: tuple[date, ...] = field(default=())

    def check(self, signal: Signal) -> Decision:
        price = self.windows.last_price(signal.symbol) or 0.0
        ctx = RiskContext(
            now=signal.time,
            equity=self.account.equity,
            cash=self.account.cash,
            price=price,
            atr=self.windows.atr(signal.symbol),
            day_start_equity=self.account.last_equity,
            peak_equity=max(self.peak_equity, self.account.equity),
            positions=self.positions,
            last_stop_out=self.last_stop_out,
            day_trades=self.day_trades,
            opened_today=self.opened_today,
        )
        decision = self.chain.evaluate(signal, ctx)
        if decision.approved:
            self._count(signal, decision.proposal.qty, price)
        return decision

    def _count(self, signal: Signal, qty: float, price: float) -> None:
        """Let the next signal of the batch see this order as if it had filled."""
        held = self.positions.get(signal.symbol)
        signed = qty if signal.side is Side.BUY else -qty
        new_qty = (held.qty if held else 0.0) + signed
        if abs(new_qty) < 1e-9:
            self.positions.pop(signal.symbol, None)
        else:
            self.positions[signal.symbol] = Position(signal.symbol, new_qty, price, price)


@dataclass(frozen=True, slots=True)
class _Inputs:
    """What the chain reads from the database: saved settings and the trading record."""

    settings: RiskSettings
    peak_equity: float
    last_stop_out: Mapping[str, datetime]
    opened_today: frozenset[str]
    read_at: float
    day_trades: tuple[date, ...] = ()


class RiskGate:
    """Reads what the chain needs from the database, at most every `refresh` seconds; once it
    has read them, a batch never waits for a re-read (it runs in background, the batch goes on
    with the previous read)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        commission_per_share: float = 0.0,
        refresh: float = 2.0,
    ) -> None:
        self._sessions = sessions
        self._commission_per_share = commission_per_share
        self._refresh = refresh
        self._inputs: _Inputs | None = None
        self._rereading: asyncio.Task[None] | None = None
        self._chain: tuple[RiskSettings, RiskChain] | None = None

    async def batch(
        self, account: Account, positions: list[Position], windows: RollingWindows
    ) -> RiskBatch:
        inputs = self._inputs
        if inputs is None:
            inputs = self._inputs = await self._read()
        elif time.monotonic() - inputs.read_at > self._refresh and (
            self._rereading is None or self._rereading.done()
        ):
            self._rereading = asyncio.create_task(self._reread(), name="risk-inputs")
        held = {p.symbol: p for p in positions}
        return RiskBatch(
            chain=self._chain_for(inputs.settings),
            account=account,
            positions=held,
            windows=windows,
            peak_equity=inputs.peak_equity,
            last_stop_out=inputs.last_stop_out,
            opened_today=inputs.opened_today & set(held),
            day_trades=inputs.day_trades,
        )

    async def _reread(self) -> None:
        try:
            self._inputs = await self._read()
        except Exception:  # the next batch tries again; until then the last read stands
            logger.exception("could not re-read risk settings and trading record")

    async def _read(self) -> _Inputs:
        today = datetime.combine(datetime.now(UTC).date(), dtime(), tzinfo=UTC)
        async with self._sessions() as session:
            settings = await load_risk_settings(session)
            peak = await session.scalar(select(func.max(EquityPointRecord.equity)))
            stop_outs = await session.execute(
                select(OrderRecord.symbol, func.max(OrderRecord.updated_at))
                .where(OrderRecord.type.in_(["stop", "stop_limit"]), OrderRecord.status == "filled")
                .group_by(OrderRecord.symbol)
            )
            opened = await session.scalars(
                select(OrderRecord.symbol)
                .where(OrderRecord.filled_qty > 0, OrderRecord.created_at >= today)
                .distinct()
            )
            day_trades = await _own_day_trades(session, settings)
            return _Inputs(
                settings=settings,
                peak_equity=float(peak or 0.0),
                last_stop_out={symbol: at for symbol, at in stop_outs},
                opened_today=frozenset(opened),
                read_at=time.monotonic(),
                day_trades=day_trades,
            )

    def _chain_for(self, settings: RiskSettings) -> RiskChain:
        if self._chain is None or self._chain[0] != settings:
            chain = RiskChain.from_settings(
                settings, commission_per_share=self._commission_per_share
            )
            self._chain = (settings, chain)
        return self._chain[1]


async def _own_day_trades(session: AsyncSession, settings: RiskSettings) -> tuple[date, ...]:
    """Day trades from the bot's own fills (Alpaca no longer reports a count): a symbol both
    bought and sold on one New York session date is one day trade. Read only when the optional
    PDT guard is on; the last 10 calendar days cover the rule's 5 business days."""
    if not settings.pdt_guard:
        return ()
    session_date = func.date(func.timezone("America/New_York", FillRecord.filled_at))
    since = datetime.now(UTC) - timedelta(days=10)
    rows = await session.execute(
        select(session_date, FillRecord.symbol)
        .where(FillRecord.filled_at >= since)
        .group_by(session_date, FillRecord.symbol)
        .having(func.count(FillRecord.side.distinct()) == 2)
    )
    return tuple(sorted(day for day, _ in rows))


async def seed_risk_settings(sessions: async_sessionmaker[AsyncSession], simulated: bool) -> None:
    """First start only: the simulated market never closes, so there its defaults always trade."""
    async with sessions.begin() as session:
        # Writers wait, so a save through the API in the meantime is seen here, never overwritten.
        table = RiskSettingsRecord.__tablename__
        await session.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
        if await session.scalar(select(func.count()).select_from(RiskSettingsRecord)):
            return
        settings = RiskSettings(market_hours=not simulated, take_profit_multiple=2.0)
        session.add(RiskSettingsRecord(settings=settings.model_dump(), updated_by="engine"))
        add_audit(session, "engine", "risk_seeded", "risk_settings", after=settings.model_dump())
