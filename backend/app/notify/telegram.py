"""Telegram commands: read the bot's state and stop it from the phone. Only allowed chats are
answered (others are ignored and audited), every action waits for an inline confirm button,
and only the process holding the engine's leader lock polls, so two releases never both reply."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)

from app.engine.service import EngineService, NoPosition
from app.models.audit import add_audit
from app.notify.feed import money, quantity
from app.notify.pnl import realised_since

logger = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
MAX_PROFIT_DAYS = 3650
_ACTIONS = {
    "stop": "Stop opening new positions? Exits keep trading.",
    "start": "Start opening positions again (and the engine, if stopped)?",
    "kill": "Pull the kill switch? Every strategy stops and every open order is canceled.",
    "close": "Close the whole position in {symbol} at market?",
}


def actor_of(chat_id: int) -> str:
    return f"telegram:{chat_id}"


class CommandBot:
    """python-telegram-bot's Application, polling only while this process leads."""

    def __init__(
        self,
        token: str,
        chats: frozenset[int],
        engine: EngineService,
        sessions: async_sessionmaker[AsyncSession],
        base_url: str = "https://api.telegram.org/bot",
        poll_timeout: int = 10,
    ) -> None:
        self._chats = chats
        self._engine = engine
        self._sessions = sessions
        self._poll_timeout = poll_timeout
        self.app = (
            Application.builder()
            .token(token)
            .base_url(base_url)
            .get_updates_read_timeout(poll_timeout + 10)
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._gate), group=-1)
        reads: dict[str, Callable[[Update, Context], Awaitable[str]]] = {
            "status": self._status,
            "profit": self._profit,
            "orders": self._orders,
            "balance": self._balance,
        }
        for name, read in reads.items():
            self.app.add_handler(CommandHandler(name, self._replying(read)))
        for name in ("stop", "start", "kill", "close"):
            self.app.add_handler(CommandHandler(name, self._ask))
        self.app.add_handler(CallbackQueryHandler(self._answer, pattern=r"^(do|no):"))
        self._watch: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ leadership
    def start(self) -> None:
        self._watch = asyncio.create_task(self._follow_leadership(), name="telegram-bot")

    async def _follow_leadership(self) -> None:
        while True:
            try:
                await self._poll_if_leading()
            except (TelegramError, OSError) as exc:  # Telegram unreachable: try again
                logger.warning("Telegram bot not polling: %s", exc)
            await asyncio.sleep(1.0)

    async def _poll_if_leading(self) -> None:
        updater = self.app.updater
        assert updater is not None
        if self._engine.trading and not updater.running:
            if not self.app.running:
                await self.app.initialize()
                await self.app.start()
            await updater.start_polling(
                poll_interval=0,
                timeout=self._poll_timeout,
                allowed_updates=["message", "callback_query"],
            )
            logger.info("Telegram bot answering (this process leads)")
        elif not self._engine.trading and updater.running:
            await updater.stop()
            logger.info("Telegram bot silent (another process leads, or none)")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watch
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        with contextlib.suppress(TelegramError, RuntimeError):
            await self.app.shutdown()

    # ------------------------------------------------------------------ who may ask
    async def _gate(self, update: Update, context: Context) -> None:
        chat = update.effective_chat
        if chat is not None and chat.id in self._chats:
            return
        chat_id = chat.id if chat is not None else 0
        text = update.effective_message.text if update.effective_message else None
        logger.warning("Telegram update from chat %s ignored (not allowed)", chat_id)
        async with self._sessions.begin() as session:
            add_audit(
                session,
                actor_of(chat_id),
                "telegram_refused",
                "telegram",
                chat_id,
                message=(text or "")[:200] or None,
            )
        raise ApplicationHandlerStop

    # ------------------------------------------------------------------ reads
    def _replying(
        self, read: Callable[[Update, Context], Awaitable[str]]
    ) -> Callable[[Update, Context], Coroutine[Any, Any, None]]:
        async def reply(update: Update, context: Context) -> None:
            assert update.effective_message is not None
            try:
                text = await read(update, context)
            except Exception as exc:  # the broker or database is down: say so, keep polling
                logger.exception("Telegram command failed")
                text = f"Could not answer: {exc}"
            await update.effective_message.reply_text(text)

        return reply

    async def _status(self, update: Update, context: Context) -> str:
        status = await self._engine.status()
        account = await self._engine.account()
        lines = [
            f"Engine {status.state} (wanted {status.desired}), broker {status.broker}, "
            f"market {'open' if account.market_open else 'closed'}",
        ]
        for p in await self._engine.open_positions():
            lines.append(
                f"{p.symbol} {quantity(p.qty)} @ ${p.avg_entry_price:,.2f}, "
                f"P&L {money(p.unrealized_pl)}"
            )
        if len(lines) == 1:
            lines.append("No open positions")
        return "\n".join(lines)

    async def _profit(self, update: Update, context: Context) -> str:
        args = context.args or []
        days = int(args[0]) if len(args) == 1 and args[0].isdigit() else None
        if args and (days is None or not 1 <= days <= MAX_PROFIT_DAYS):
            return f"Usage: /profit [days], days a whole number from 1 to {MAX_PROFIT_DAYS}"
        days = days or 1
        since = datetime.now(UTC) - timedelta(days=days)
        async with self._sessions() as session:
            realised = await realised_since(session, since)
        return (
            f"Realised P&L over the last {days} day{'s' if days > 1 else ''}: "
            f"{money(realised.pnl)} from {realised.fills} fills ({realised.exits} exits)"
        )

    async def _orders(self, update: Update, context: Context) -> str:
        rows = await self._engine.open_orders()
        if not rows:
            return "No open orders"
        return "\n".join(
            f"{r.side} {quantity(float(r.qty))} {r.symbol} {r.type}, {r.status}" for r in rows
        )

    async def _balance(self, update: Update, context: Context) -> str:
        a = (await self._engine.account()).account
        return (
            f"Equity ${a.equity:,.2f} (today {money(a.equity - a.last_equity)})\n"
            f"Cash ${a.cash:,.2f}, buying power ${a.buying_power:,.2f}"
        )

    # ------------------------------------------------------------------ actions
    async def _ask(self, update: Update, context: Context) -> None:
        message = update.effective_message
        assert message is not None and message.text is not None
        action = message.text.split()[0].lstrip("/").split("@")[0]
        target = ""
        if action == "close":
            args = context.args or []
            if len(args) != 1:
                await message.reply_text("Usage: /close SYMBOL")
                return
            target = args[0].upper()
            held = {p.symbol for p in await self._engine.open_positions()}
            if target not in held:
                await message.reply_text(f"No open position in {target}")
                return
        data = f"{action}:{target}" if target else action
        buttons = InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton("Confirm", callback_data=f"do:{data}"),
                    InlineKeyboardButton("Cancel", callback_data=f"no:{data}"),
                ]
            ]
        )
        await message.reply_text(_ACTIONS[action].format(symbol=target), reply_markup=buttons)

    async def _answer(self, update: Update, context: Context) -> None:
        query = update.callback_query
        assert query is not None and query.data is not None and update.effective_chat is not None
        verdict, _, data = query.data.partition(":")
        await query.answer()
        if verdict == "no":
            await query.edit_message_text("Canceled")
            return
        action, _, symbol = data.partition(":")
        try:
            text = await self._act(action, symbol, actor_of(update.effective_chat.id))
        except Exception as exc:
            logger.exception("Telegram action %s failed", action)
            text = f"{action} failed: {exc}"
        await query.edit_message_text(text)

    async def _act(self, action: str, symbol: str, actor: str) -> str:
        engine = self._engine
        if action == "stop":
            changed = await engine.allow_entries(False, actor)
            return "New entries stopped; exits keep trading" if changed else "Already stopped"
        if action == "start":
            await engine.allow_entries(True, actor)
            await engine.request(running=True, user=actor)
            return "Opening positions again; engine running"
        if action == "kill":
            result = await engine.kill(actor, flatten=False)
            return (
                f"Kill switch pulled: {result.report.disabled_instances} strategies stopped, "
                f"{result.report.canceled_orders} orders canceled"
            )
        if action == "close":
            try:
                record = await engine.close_position(symbol, actor)
            except NoPosition:
                return f"No open position in {symbol}"
            return f"Closing {symbol}: {record.side} {quantity(float(record.qty))}, {record.status}"
        return f"Unknown action {action}"
