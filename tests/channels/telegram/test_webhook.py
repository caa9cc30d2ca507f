"""The webhook's edge: the secret, bad bodies, updates that are not for the core, forged buttons."""

from __future__ import annotations

import json
import logging

import aiohttp
import pytest
from sqlalchemy import func, select

from bot import keys
from bot.db.models import Resident
from tests.channels.telegram.conftest import SECRET, TelegramBot
from tests.support.fake_telegram import FakeTelegram

HEADER = "X-Telegram-Bot-Api-Secret-Token"


async def _post(bot: TelegramBot, body: bytes | str, secret: str | None = SECRET) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[HEADER] = secret
    async with bot.fake._client.post(
        bot.server.make_url("/telegram/webhook"),
        data=body,  # type: ignore[union-attr]
        headers=headers,
    ) as response:
        return response.status


async def _residents(bot: TelegramBot) -> int:
    async with bot.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(func.count()).select_from(Resident.__table__))


async def test_start_sets_the_webhook_with_secret_and_allowed_updates(webhook_bot: TelegramBot) -> None:
    (call,) = webhook_bot.fake.calls_of("setWebhook")
    assert call.params["url"] == str(webhook_bot.server.make_url("/telegram/webhook"))
    assert call.params["secret_token"] == SECRET
    assert json.loads(call.params["allowed_updates"]) == ["message", "callback_query"]
    assert webhook_bot.fake.calls_of("getMe")


async def test_missing_or_forged_secret_is_403_and_nothing_is_processed(webhook_bot: TelegramBot) -> None:
    update = json.dumps(webhook_bot.fake.user(5001).text("搬迁费怎么算"))
    for secret in (None, "", "wrong", SECRET + "x", SECRET[:-1], "秘密"):
        assert await _post(webhook_bot, update, secret) == 403
    assert not webhook_bot.fake.calls_of("sendMessage")
    assert await _residents(webhook_bot) == 0


async def test_malformed_bodies_are_400(webhook_bot: TelegramBot) -> None:
    for body in (b"not json", b"[1]", b'{"message": {}}', b'{"update_id": "7"}', "\xff".encode("latin-1")):
        assert await _post(webhook_bot, body) == 400, body
    assert not webhook_bot.fake.calls_of("sendMessage")


async def test_unknown_update_types_and_group_chats_are_ignored(webhook_bot: TelegramBot) -> None:
    fake = webhook_bot.fake
    user = fake.user(5001)
    group_message = user.text("大家好")
    group_message["message"]["chat"] = {"id": -100123, "type": "supergroup", "title": "东关片区工作群"}
    ignored = [
        user.edited("改一下"),
        {
            "update_id": fake.next_update_id(),
            "poll": {
                "id": "p",
                "question": "?",
                "options": [],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            },
        },
        {"update_id": fake.next_update_id(), "some_future_update": {"x": 1}},
        {"update_id": fake.next_update_id(), "message": {"chat": 3}},  # not readable by PTB: acknowledged
        group_message,
    ]
    for update in ignored:
        assert await fake.push(update) == [200]
    assert not fake.calls_of("sendMessage")
    assert await _residents(webhook_bot) == 0


async def test_forged_callback_data_gets_a_polite_message(webhook_bot: TelegramBot) -> None:
    resident = webhook_bot.resident()
    await resident.say("搬迁费怎么算")
    answer = resident.replies[-1]
    good = answer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    button_id = good.rpartition("|")[0]
    other_chat = webhook_bot.channel.signer.sign(9999, button_id)
    for data in ("topic:comp.scope", f"{button_id}|AAAAAAAAAAA", other_chat, "#unknown", "x" * 64, "|", "fb:1:x|"):
        update = resident.updates.press(answer, data)
        await resident.send(update)
        assert "过期" in resident.text, data
        assert resident.updates.answered(update)["text"] == "这个按钮已失效"
    assert "reply_markup" in answer  # a forged press does not touch the message


async def test_webhook_before_the_channel_is_ready_is_503(aiohttp_server, settings, kb, clock) -> None:  # noqa: ANN001
    from tests.channels.telegram.conftest import start_bot

    fake = await FakeTelegram().start()
    await fake.close()  # Telegram unreachable at start-up: the rest of the app still starts
    bot = await start_bot(aiohttp_server, settings, kb, clock, fake, "webhook")
    assert not bot.channel.ready
    update = json.dumps(FakeTelegram().user(5001).text("你好"))
    async with aiohttp.ClientSession() as session:
        async with session.post(
            bot.server.make_url("/telegram/webhook"),
            data=update,
            headers={HEADER: SECRET, "Content-Type": "application/json"},
        ) as response:
            assert response.status == 503  # Telegram keeps the update and delivers it again
        async with session.get(bot.server.make_url("/healthz")) as response:
            assert response.status == 200  # the rest of the application runs


async def test_deeply_nested_json_is_400_not_a_crash(
    webhook_bot: TelegramBot, caplog: pytest.LogCaptureFixture
) -> None:
    deep = '{"update_id": 9, "message": ' + '{"a": [' * 5000 + "]}" * 5000 + "}"
    nested_reply = webhook_bot.fake.user(5001).text("你好")
    inner = nested_reply["message"]
    for _ in range(200):  # a reply to a reply to … : valid JSON, far deeper than any real update
        inner["reply_to_message"] = dict(inner)
        inner = inner["reply_to_message"]
    for body in (deep, json.dumps(nested_reply)):
        assert await _post(webhook_bot, body) == 400
    assert not webhook_bot.fake.calls_of("sendMessage")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_an_update_ptb_cannot_read_is_logged_in_one_line(
    webhook_bot: TelegramBot, caplog: pytest.LogCaptureFixture
) -> None:
    update = webhook_bot.fake.user(5001).text("你好")
    update["message"]["date"] = "not a date"
    assert await _post(webhook_bot, json.dumps(update)) == 200  # acknowledged: Telegram would retry it forever
    (line,) = [r for r in caplog.records if "cannot read" in r.getMessage()]
    assert line.exc_info is None and "\n" not in line.getMessage()
    assert not webhook_bot.fake.calls_of("sendMessage")
