"""Telegram commands against the local Bot API double: an allowed chat reads, stops, kills and
closes (each confirmed, audited with the chat as actor); another chat is ignored and audited;
only the leading process answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from socketio import ASGIApp

from app.core.config import Settings
from app.notify.telegram import CommandBot
from tests.api.test_orders_api import exchange_of, tick
from tests.support.polling import wait_for
from tests.telegram_double.server import TOKEN, TelegramDouble, telegram_double

ALLOWED, STRANGER = 42, 99


@pytest.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with telegram_double() as server:
        yield server


@pytest.fixture
def settings(settings: Settings, double: TelegramDouble) -> Settings:
    settings.telegram_bot_token = TOKEN
    settings.telegram_chat_ids = f"{ALLOWED}, 7"
    settings.telegram_base_url = double.base_url
    settings.engine_seed_symbols = ""  # no strategy trades behind the test's back
    return settings


def bot_of(api_app: tuple[FastAPI, ASGIApp]) -> CommandBot:
    bot = api_app[0].state.notifications.bot
    assert isinstance(bot, CommandBot)
    return bot


@pytest.fixture
async def leading(
    client: httpx.AsyncClient, auth_headers: dict[str, str], api_app: tuple[FastAPI, ASGIApp]
) -> CommandBot:
    """The engine runs in this process, so it holds the leader lock and the bot polls."""
    assert (await client.post("/api/engine/start", headers=auth_headers)).is_success
    bot = bot_of(api_app)
    await wait_for(lambda: _now(bool(bot.app.updater and bot.app.updater.running)), what="poll")
    return bot


async def ask(double: TelegramDouble, text: str, chat: int = ALLOWED) -> dict[str, Any]:
    await double.say(chat, text)
    return await double.reply(chat)


async def confirm(double: TelegramDouble, text: str) -> str:
    """Send an action, press its Confirm button, and return what the bot edited it to."""
    question = await ask(double, text)
    buttons = question["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Confirm", "Cancel"]
    query_id = await double.press(ALLOWED, question, buttons[0]["callback_data"])
    await double.wait_for(lambda: "edit_date" in question)
    assert query_id in {a["callback_query_id"] for a in double.answered}
    return str(question["text"])


async def audit(client: httpx.AsyncClient, headers: dict[str, str], actor: str) -> list[str]:
    page = (await client.get("/api/audit", headers=headers, params={"actor": actor})).json()
    return [entry["action"] for entry in page["items"]]


@pytest.mark.usefixtures("leading")
async def test_read_commands_answer_the_allowed_chat(double: TelegramDouble) -> None:
    status = await ask(double, "/status")
    assert status["text"].startswith("Engine running (wanted running), broker sim")
    assert "No open positions" in status["text"]
    assert (await ask(double, "/balance"))["text"].startswith("Equity $100,000.00")
    assert (await ask(double, "/orders"))["text"] == "No open orders"
    profit = await ask(double, "/profit 7")
    assert profit["text"] == "Realised P&L over the last 7 days: $0.00 from 0 fills (0 exits)"
    assert (await ask(double, "/profit soon"))["text"].startswith("Usage: /profit [days]")


@pytest.mark.usefixtures("leading")
async def test_the_allowed_chat_stops_entries_and_pulls_the_kill_switch(
    double: TelegramDouble, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    assert await confirm(double, "/stop") == "New entries stopped; exits keep trading"
    risk = (await client.get("/api/risk", headers=auth_headers)).json()
    assert risk["new_entries"] is False

    killed = await confirm(double, "/kill")
    assert killed.startswith("Kill switch pulled: 0 strategies stopped")
    assert await confirm(double, "/start") == "Opening positions again; engine running"
    risk = (await client.get("/api/risk", headers=auth_headers)).json()
    assert risk["new_entries"] is True
    actions = await audit(client, auth_headers, f"telegram:{ALLOWED}")
    assert sorted(actions) == ["engine_start", "kill_switch", "risk_update", "risk_update"]


@pytest.mark.usefixtures("leading")
async def test_a_cancel_button_does_nothing(
    double: TelegramDouble, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    question = await ask(double, "/kill")
    cancel = question["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
    await double.press(ALLOWED, question, cancel)
    await double.wait_for(lambda: "edit_date" in question)
    assert question["text"] == "Canceled"
    assert await audit(client, auth_headers, f"telegram:{ALLOWED}") == []


async def test_close_symbol_sends_a_closing_order(
    leading: CommandBot,
    double: TelegramDouble,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
    api_app: tuple[FastAPI, ASGIApp],
) -> None:
    assert (await ask(double, "/close"))["text"] == "Usage: /close SYMBOL"
    assert (await ask(double, "/close SIMA"))["text"] == "No open position in SIMA"
    engine = exchange_of(api_app)
    tick(engine, "SIMA", 100.0, 0)
    body = {"symbol": "SIMA", "side": "buy", "qty": 5, "type": "market"}
    assert (await client.post("/api/orders", json=body, headers=auth_headers)).is_success
    tick(engine, "SIMA", 101.0, 1)
    await wait_for(lambda: _held(engine, "SIMA"), what="position opened")

    closed = await confirm(double, "/close sima")
    assert closed.startswith("Closing SIMA: sell 5")
    assert await audit(client, auth_headers, f"telegram:{ALLOWED}") == ["position_close"]


@pytest.mark.usefixtures("leading")
async def test_another_chat_is_ignored_and_audited(
    double: TelegramDouble, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    await double.say(STRANGER, "/kill")
    forged = {"message_id": 1, "date": 0, "chat": {"id": STRANGER, "type": "private"}}
    await double.press(STRANGER, forged, "do:kill")
    await double.say(ALLOWED, "/orders")  # handled after the stranger's updates
    assert (await double.reply(ALLOWED))["text"] == "No open orders"

    assert [m for m in double.sent if m["chat"]["id"] == STRANGER] == []
    assert double.answered == []
    assert await audit(client, auth_headers, f"telegram:{STRANGER}") == [
        "telegram_refused",
        "telegram_refused",
    ]
    status = (await client.get("/api/engine", headers=auth_headers)).json()
    assert status["state"] == "running"
    everyone = (await client.get("/api/audit", headers=auth_headers)).json()["items"]
    assert "kill_switch" not in {entry["action"] for entry in everyone}


async def test_only_the_leading_process_answers(
    leading: CommandBot,
    double: TelegramDouble,
    client: httpx.AsyncClient,
    auth_headers: dict[str, str],
) -> None:
    assert (await client.post("/api/engine/stop", headers=auth_headers)).is_success
    updater = leading.app.updater
    assert updater is not None
    await wait_for(lambda: _now(not updater.running), what="the bot stops polling")
    before = len(double.sent)
    await double.say(ALLOWED, "/orders")
    polls = double.calls.count("getUpdates")
    assert len(double.sent) == before and double.calls.count("getUpdates") == polls

    assert (await client.post("/api/engine/start", headers=auth_headers)).is_success
    reply = await double.reply(ALLOWED)  # the waiting update is answered by the new leader
    assert reply["text"] == "No open orders"


async def _now(value: bool) -> bool:
    return value


async def _held(engine: Any, symbol: str) -> bool:
    return any(p.symbol == symbol for p in await engine.open_positions())
