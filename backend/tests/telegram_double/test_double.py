"""The Telegram double answers as the Bot API reference says (bot_api.json, from the docs) and
as python-telegram-bot, the SDK, expects: every object it returns parses with the SDK."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

from tests.telegram_double.server import TOKEN, TelegramDouble, telegram_double

SPEC = json.loads((Path(__file__).parent / "bot_api.json").read_text())
TYPES = {"int": int, "str": str, "bool": bool}


def conforms(value: Any, kind: str) -> None:
    """Every field the reference marks required is there, with its type (recursively)."""
    if kind.endswith("[]"):
        assert isinstance(value, list)
        for item in value:
            conforms(item, kind[:-2])
        return
    if kind in TYPES:
        assert isinstance(value, TYPES[kind]) and not (kind == "int" and isinstance(value, bool))
        return
    assert isinstance(value, dict), f"{kind} must be an object"
    for name, field_kind in SPEC["objects"][kind].items():
        assert name in value, f"{kind}.{name} is required"
        conforms(value[name], field_kind)
    if kind == "Message":
        for entity in value.get("entities", []):
            conforms(entity, "MessageEntity")
    if kind == "Update":
        present = [k for k in ("message", "callback_query") if k in value]
        assert len(present) <= 1
        if "message" in value:
            conforms(value["message"], "Message")
        if "callback_query" in value:
            conforms(value["callback_query"], "CallbackQuery")


@pytest.fixture
async def double() -> AsyncIterator[TelegramDouble]:
    async with telegram_double() as server:
        yield server


async def call(double: TelegramDouble, method: str, token: str = TOKEN, **params: Any) -> Any:
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(f"{double.base_url}{token}/{method}", json=params)
    body = response.json()
    keys = SPEC["envelope"]["success" if body["ok"] else "failure"]
    assert set(keys) <= set(body)
    return response.status_code, body


async def test_every_method_answers_in_the_documented_shape(double: TelegramDouble) -> None:
    await double.say(42, "/status now")
    for method, params in [
        ("getMe", {}),
        ("getUpdates", {}),
        ("deleteWebhook", {}),
        ("sendMessage", {"chat_id": 42, "text": "hi"}),
        ("answerCallbackQuery", {"callback_query_id": "1"}),
        ("setMyCommands", {"commands": [{"command": "status", "description": "x"}]}),
    ]:
        status, body = await call(double, method, **params)
        assert status == 200 and body["ok"] is True, (method, body)
        conforms(body["result"], SPEC["methods"][method]["returns"])
    sent = double.sent[-1]
    status, body = await call(
        double, "editMessageText", chat_id=42, message_id=sent["message_id"], text="edited"
    )
    assert status == 200 and body["result"]["text"] == "edited"
    conforms(body["result"], "Message")


async def test_required_parameters_unknown_methods_and_bad_tokens_are_refused(
    double: TelegramDouble,
) -> None:
    for method, spec in SPEC["methods"].items():
        for missing in spec["required"]:
            status, body = await call(double, method)
            assert status == 400 and body["ok"] is False, (method, missing)
            assert missing in body["description"] or "required" in body["description"]
    assert (await call(double, "sendPhoto"))[0] == 404
    status, body = await call(double, "getMe", token="999:wrong")
    assert status == 401 and body["description"] == "Unauthorized"


async def test_the_sdk_reads_what_the_double_sends(double: TelegramDouble) -> None:
    async with Bot(TOKEN, base_url=double.base_url) as bot:
        me = await bot.get_me()
        assert isinstance(me, User) and me.is_bot
        await double.say(42, "/close SIMA")
        [update] = await bot.get_updates()
        assert isinstance(update, Update) and update.message is not None
        assert update.message.text == "/close SIMA" and update.effective_chat is not None
        assert update.message.entities[0].type == "bot_command"

        buttons = InlineKeyboardMarkup([[InlineKeyboardButton("Confirm", callback_data="do:x")]])
        sent = await bot.send_message(42, "Sure?", reply_markup=buttons)
        assert isinstance(sent, Message) and sent.reply_markup == buttons
        await double.press(42, double.sent[-1], "do:x")
        updates = await bot.get_updates(offset=update.update_id + 1)
        assert [u.callback_query.data for u in updates if u.callback_query] == ["do:x"]
        assert await bot.answer_callback_query(updates[0].callback_query.id)  # type: ignore[union-attr]
        edited = await bot.edit_message_text("Done", chat_id=42, message_id=sent.message_id)
        assert isinstance(edited, Message) and edited.text == "Done"


async def test_get_updates_confirms_by_offset_and_long_polls(double: TelegramDouble) -> None:
    await double.say(7, "one")
    _, first = await call(double, "getUpdates")
    update_id = first["result"][0]["update_id"]
    _, again = await call(double, "getUpdates", offset=update_id)
    assert [u["update_id"] for u in again["result"]] == [update_id]  # not confirmed yet
    _, none = await call(double, "getUpdates", offset=update_id + 1)
    assert none["result"] == []  # confirmed: gone

    waiting = asyncio.create_task(call(double, "getUpdates", offset=update_id + 1, timeout=10))
    await double.wait_for(lambda: double.calls.count("getUpdates") == 4)
    assert not waiting.done()  # long polling: held open while nothing arrived
    await double.say(7, "two")
    _, held = await waiting
    assert [u["message"]["text"] for u in held["result"]] == ["two"]
