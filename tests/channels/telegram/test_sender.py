"""TelegramSender (the outbox's port) against the fake Bot API: delivery, 429, blocked and unknown chats."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from telegram.ext import Application

from bot.channels.telegram.application import build_application
from bot.channels.telegram.callback_data import CallbackSigner, signing_key
from bot.channels.telegram.rate_limit import PacedRateLimiter
from bot.channels.telegram.sender import TelegramSender
from bot.core.messages import Button, Outbound
from bot.outbox.ports import PacedSender, RetryLater, Undeliverable
from bot.settings import Settings
from tests.support.fake_telegram import TOKEN, FakeTelegram, FloodLimits
from tests.support.monotonic import FakeMonotonic

NOTICE = Outbound("您的诉求 TS-0001 已有答复，请点“查进度”查看。", (Button("intent:status", "查进度"),))


@pytest.fixture
def fake_clock() -> FakeMonotonic:
    return FakeMonotonic()


@pytest.fixture
async def fake(fake_clock: FakeMonotonic) -> AsyncIterator[FakeTelegram]:
    fake = await FakeTelegram(limits=FloodLimits(per_chat=1, overall=30), clock=fake_clock).start()
    for chat in (11, 12, 13):
        fake.add_chat(chat)
    yield fake
    await fake.close()


@pytest.fixture
async def application(fake: FakeTelegram, fake_clock: FakeMonotonic) -> AsyncIterator[Application]:
    settings = replace(Settings(), telegram_token=TOKEN, telegram_api_base=fake.api_base)
    limiter = PacedRateLimiter(clock=fake_clock, sleep=fake_clock.sleep)
    application = build_application(
        settings, None, CallbackSigner(signing_key(TOKEN)), polling=False, rate_limiter=limiter
    )
    await application.initialize()
    yield application
    await application.shutdown()


@pytest.fixture
def sender(application: Application) -> TelegramSender:
    return TelegramSender(application.bot, CallbackSigner(signing_key(TOKEN)))


async def test_delivers_text_and_a_verifiable_button(sender: TelegramSender, fake: FakeTelegram) -> None:
    await sender.send("11", NOTICE)
    (message,) = fake.messages(11)
    assert message["text"] == NOTICE.text
    data = message["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert CallbackSigner(signing_key(TOKEN)).verify(11, data) == "intent:status"


async def test_three_notifications_to_one_chat_are_a_second_apart_and_never_429(
    sender: TelegramSender, fake: FakeTelegram, fake_clock: FakeMonotonic
) -> None:
    for _ in range(3):
        await sender.send("11", NOTICE)
    await sender.send("12", NOTICE)
    times = [c.at for c in fake.calls_of("sendMessage") if c.params["chat_id"] == "11"]
    assert len(times) == 3 and all(b - a >= 1.0 for a, b in zip(times, times[1:]))
    assert fake.responses[429] == 0


async def test_429_is_honoured_then_retried(
    sender: TelegramSender, fake: FakeTelegram, fake_clock: FakeMonotonic
) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 4", retry_after=4)
    await sender.send("11", NOTICE)
    first, second = fake.calls_of("sendMessage")
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 4


async def test_429_twice_is_retry_later_with_telegrams_delay(sender: TelegramSender, fake: FakeTelegram) -> None:
    for _ in range(2):
        fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 7", retry_after=7)
    with pytest.raises(RetryLater) as caught:
        await sender.send("11", NOTICE)
    assert caught.value.seconds == 7


async def test_blocked_unknown_and_malformed_chats_are_undeliverable(
    sender: TelegramSender, fake: FakeTelegram
) -> None:
    fake.blocked.add(12)
    for user_key in ("12", "99999", "not-a-chat"):
        with pytest.raises(Undeliverable):
            await sender.send(user_key, NOTICE)


async def test_server_errors_are_retry_later(sender: TelegramSender, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    with pytest.raises(RetryLater):
        await sender.send("11", NOTICE)


async def test_a_chat_still_in_its_second_is_handed_back_not_waited_for(
    application: Application, fake: FakeTelegram
) -> None:
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter)
    sender = TelegramSender(application.bot, CallbackSigner(signing_key(TOKEN)), limiter.chats)
    await sender.send("11", NOTICE)
    with pytest.raises(RetryLater) as caught:
        await sender.send("11", NOTICE)
    assert 0.9 < caught.value.seconds <= 1.1
    await sender.send("12", NOTICE)  # other chats go on
    assert len(fake.calls_of("sendMessage")) == 2


async def test_ready_in_tells_the_worker_which_chats_take_a_notification_now(application: Application) -> None:
    limiter = application.bot.rate_limiter
    assert isinstance(limiter, PacedRateLimiter)
    sender = TelegramSender(application.bot, CallbackSigner(signing_key(TOKEN)), limiter.chats)
    assert isinstance(sender, PacedSender) and sender.ready_in("11") == 0.0
    await sender.send("11", NOTICE)
    assert sender.ready_in("11") == pytest.approx(sender.pace) and sender.pace >= 1.0  # a second after the answer
    assert sender.ready_in("12") == 0.0
    assert sender.ready_in("-1001001") is None and sender.ready_in("not-a-chat") is None  # groups: not paced here
    assert TelegramSender(application.bot, CallbackSigner(signing_key(TOKEN))).ready_in("11") is None
