"""Binding a chat to a household through /api/chat (issue 14, point 2): consent first; the printed one-time code
(typed, or brought by /chat?bind=…) or 户号 + 户主 + the last 6 digits; a second family member; members listed
and removed; unbinding; guessing locked after 5 failures with one message whatever was wrong; nothing stored when
the resident declines; nothing typed kept in clear."""

from __future__ import annotations

import dataclasses
import logging

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.core.dialogue import DialogueService
from bot.core.messages import Channel, Inbound, InboundKind
from bot.db.base import table_of
from bot.db.models import DialogueState, MessageLog
from bot.households.codes import shown
from bot.households.models import BindingAttempt, HouseholdBinding, HouseholdCode
from bot.settings import Settings
from handlers.binding import FAILED, LOCKED
from tests.households.binding_support import DG, XJ, binding_rows, count, import_sample, issue
from tests.households.ledger_files import KEY
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, household_id_key=KEY)


@pytest.fixture
def engine_of(client) -> AsyncEngine:  # noqa: ANN001
    return client.app[keys.ENGINE]


@pytest.fixture
async def ledger(engine_of: AsyncEngine, clock: FakeClock) -> AsyncEngine:
    await import_sample(engine_of, clock())
    return engine_of


async def logged_text(engine: AsyncEngine) -> str:
    async with engine.connect() as conn:
        texts = (await conn.execute(select(table_of(MessageLog).c.text))).scalars().all()
        states = (await conn.execute(select(table_of(DialogueState).c.state))).scalars().all()
    return "\n".join(texts) + "\n" + "\n".join(str(s) for s in states)


async def consent(chat: ChatSession, words: str = "绑定我家") -> None:
    await chat.say(words)
    assert "个人信息保护法" in chat.text and "谁能看到" in chat.text and "解除绑定" in chat.text
    assert [b["label"] for b in chat.buttons] == ["同意", "不同意"]
    await chat.press("同意")


async def by_id_tail(chat: ChatSession, household_no: str, name: str, tail: str) -> str:
    await consent(chat)
    await chat.press("用户号核对")
    await chat.say(household_no)
    await chat.say(name)
    await chat.say(tail)
    return chat.text


async def test_bind_by_code_then_the_code_is_spent(client, ledger: AsyncEngine, clock: FakeClock) -> None:  # noqa: ANN001
    issued = await issue(ledger, clock())
    chat = ChatSession(client)
    await consent(chat, "俺想绑定房屋")
    assert "绑定码" in chat.text
    await chat.say(f"绑定码：{shown(issued.code)}")  # as printed: 1234 5678 9012
    assert f"已绑定 户号 {DG[0]}（{DG[3]}）" in chat.text
    assert "过渡费发到几月了" in chat.text  # what they can ask now
    [row] = await binding_rows(ledger)
    assert row["via"] == "code"
    async with ledger.connect() as conn:
        code_row = (await conn.execute(select(table_of(HouseholdCode)))).mappings().one()
    assert code_row["used_at"] is not None and issued.code not in str(dict(code_row))
    assert issued.code not in await logged_text(ledger) and shown(issued.code) not in await logged_text(ledger)

    other = ChatSession(client)  # the same code again: used, refused
    await consent(other)
    await other.say(issued.code)
    assert other.text == FAILED and len(await binding_rows(ledger)) == 1


async def test_the_qr_code_prefills_the_code_and_consent_is_still_asked(
    client,
    ledger: AsyncEngine,
    clock: FakeClock,  # noqa: ANN001
) -> None:
    issued = await issue(ledger, clock())
    chat = ChatSession(client)
    await chat.send(text="", start=True)
    await chat.send(button=f"bind:open:{issued.code}")  # what /chat?bind=CODE sends
    assert "个人信息保护法" in chat.text and not await binding_rows(ledger)
    await chat.press("同意")
    assert f"已绑定 户号 {DG[0]}" in chat.text
    assert issued.code not in await logged_text(ledger)


async def test_declining_the_consent_stores_nothing(client, ledger: AsyncEngine, clock: FakeClock) -> None:  # noqa: ANN001
    issued = await issue(ledger, clock())
    chat = ChatSession(client)
    await chat.send(button=f"bind:open:{issued.code}")
    await chat.press("不同意")
    assert "没有绑定" in chat.text and "没有保存" in chat.text
    assert not await binding_rows(ledger) and await count(ledger, BindingAttempt) == 0
    async with ledger.connect() as conn:
        assert (await conn.execute(select(table_of(HouseholdCode).c.used_at))).scalar_one() is None
    assert issued.code not in await logged_text(ledger)  # neither in the log nor left in the dialogue state


async def test_a_question_instead_of_the_consent_is_answered_and_binds_nothing(
    client,
    ledger: AsyncEngine,
    clock: FakeClock,  # noqa: ANN001
) -> None:
    issued = await issue(ledger, clock())
    chat = ChatSession(client)
    await chat.send(button=f"bind:open:{issued.code}")
    await chat.say("搬迁费怎么算")
    assert "搬迁费" in chat.text and "依据：" in chat.text
    assert issued.code not in await logged_text(ledger) and not await binding_rows(ledger)
    await chat.send(button="bind:consent:yes")  # the old 同意 button: the consent is asked again, the code is gone
    assert "个人信息保护法" in chat.text
    await chat.press("同意")
    assert "请输入绑定码" in chat.text and not await binding_rows(ledger)


async def test_an_expired_or_reissued_code_is_refused(client, ledger: AsyncEngine, clock: FakeClock) -> None:  # noqa: ANN001
    old = await issue(ledger, clock(), days=90)
    new = await issue(ledger, clock(), days=90)  # re-issued: the old one is void
    chat = ChatSession(client)
    await consent(chat)
    await chat.say(old.code)
    assert chat.text == FAILED
    clock.advance(days=91)
    await chat.say(new.code)
    assert chat.text == FAILED and not await binding_rows(ledger)


async def test_a_second_member_binds_lists_removes_and_unbinds(
    client,
    ledger: AsyncEngine,
    clock: FakeClock,  # noqa: ANN001
) -> None:
    issued = await issue(ledger, clock())
    first = ChatSession(client, session="t-first-member-0001")
    await consent(first)
    await first.say(issued.code)
    clock.advance(minutes=5)

    second = ChatSession(client, session="t-second-member-02")
    text = await by_id_tail(second, DG[0].lower(), " 示例甲 ", DG[2])  # 户号 in lower case, name with spaces
    assert f"已绑定 户号 {DG[0]}（{DG[3]}）" in text
    await second.press("家庭成员")
    assert "已绑定的家庭成员（2 人）" in second.text and "（您）" in second.text
    assert "户主 示**" in second.text and "示例甲" not in second.text
    assert "t-first-member-0001" not in second.text and "t-second" not in second.text  # labels, never channel ids
    assert {r["via"] for r in await binding_rows(ledger)} == {"code", "id_tail"}

    await second.press("移除 网页用户")
    assert "确定把“网页用户" in second.text
    await second.press("确定移除")
    assert "已移除" in second.text and "（1 人）" in second.text
    await first.say("绑定我家")  # removed: asked for consent again, as anyone not bound
    assert "个人信息保护法" in first.text

    await second.say("解除绑定")
    assert "确定解除绑定吗" in second.text
    await second.press("确定解除")
    assert "已解除绑定" in second.text and "删除" in second.text
    assert not await binding_rows(ledger)


async def test_one_resident_per_household_of_their_own(client, ledger: AsyncEngine, clock: FakeClock) -> None:  # noqa: ANN001
    """Members of two households each see their own household only."""
    dg, xj = ChatSession(client), ChatSession(client)
    assert f"已绑定 户号 {DG[0]}" in await by_id_tail(dg, *DG[:3])
    assert f"已绑定 户号 {XJ[0]}" in await by_id_tail(xj, *XJ[:3])
    await xj.press("家庭成员")
    assert XJ[0] in xj.text and DG[0] not in xj.text and "（1 人）" in xj.text
    await xj.send(button="bind:remove:1")  # the other household's binding: not theirs to remove
    assert "不在本户的绑定名单" in xj.text
    await xj.send(button="bind:removeyes:1")
    assert len(await binding_rows(ledger)) == 2


async def test_five_wrong_guesses_lock_with_one_message_whatever_was_wrong(
    client,
    ledger: AsyncEngine,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,  # noqa: ANN001
) -> None:
    chat = ChatSession(client)
    wrong = [
        ("DG-9999", DG[1], DG[2]),  # no such 户号
        (DG[0], "示例乙", DG[2]),  # another name
        (DG[0], DG[1], "120017"),  # other digits
        (XJ[0], DG[1], DG[2]),  # another household's 户号
    ]
    caplog.set_level(logging.INFO)
    replies = {await by_id_tail(chat, *guess) for guess in wrong}
    assert replies == {FAILED}  # never a hint which field was wrong
    assert await by_id_tail(chat, "x" * 500, "'; DROP TABLE households; --", "00000X") == LOCKED  # the 5th
    assert await by_id_tail(chat, *DG[:3]) == LOCKED  # a 6th, correct, try is refused while locked
    assert not await binding_rows(ledger)
    failures = [r.getMessage() for r in caplog.records if "household binding failed" in r.getMessage()]
    assert len(failures) == 5
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert all(value not in logged for value in ("DG-9999", "示例乙", "120017", "120016", "DROP TABLE"))

    clock.advance(hours=24, minutes=1)  # the lock is over
    assert f"已绑定 户号 {DG[0]}" in await by_id_tail(chat, *DG[:3])


async def test_guesses_from_many_chats_lock_the_household(client, ledger: AsyncEngine, clock: FakeClock) -> None:  # noqa: ANN001
    """A new chat session per guess does not reset the count kept for the 户号 (and for the client address)."""
    for i in range(5):
        guesser = ChatSession(client, headers={"X-Forwarded-For": f"203.0.113.{i}"})
        assert await by_id_tail(guesser, DG[0], DG[1], f"{i:06d}") in {FAILED, LOCKED}
    owner = ChatSession(client, headers={"X-Forwarded-For": "198.51.100.7"})
    assert await by_id_tail(owner, *DG[:3]) == LOCKED
    assert f"已绑定 户号 {XJ[0]}" in await by_id_tail(owner, *XJ[:3])  # another household is not locked


async def test_code_guesses_from_new_sessions_are_counted_per_client(
    client, ledger: AsyncEngine, clock: FakeClock
) -> None:  # noqa: ANN001
    issued = await issue(ledger, clock())
    for i in range(5):
        guesser = ChatSession(client)  # a fresh session each time, from one address
        await guesser.send(button=f"bind:open:{i:012d}")
        await guesser.press("同意")
    assert guesser.text == LOCKED
    late = ChatSession(client)
    await late.send(button=f"bind:open:{issued.code}")
    await late.press("同意")
    assert late.text == LOCKED and not await binding_rows(ledger)


@pytest.mark.parametrize(
    "typed",
    ["1" * 3000, "１２３４ ５６７８ ９０１２", "<script>alert(1)</script>", "😀" * 40, "0" * 11, "AJ-2026-000001"],
)
async def test_garbage_codes_get_the_same_message(client, ledger: AsyncEngine, clock: FakeClock, typed: str) -> None:  # noqa: ANN001
    await issue(ledger, clock())
    chat = ChatSession(client)
    await consent(chat)
    await chat.say(typed)
    assert chat.text == FAILED
    await chat.send(button="bind:open:" + typed[:100])
    assert "个人信息保护法" in chat.text  # a forged prefill is only a code to try after the consent
    await chat.press("同意")
    assert chat.text == FAILED
    assert not await binding_rows(ledger)


async def test_without_the_ledger_key_binding_is_not_available(dialogue: DialogueService, engine: AsyncEngine) -> None:
    """A core built without the ledger's key (dialogue_service's default) binds nobody, and says so."""

    async def send(kind: InboundKind, text: str, n: int) -> str:
        replies = await dialogue.handle(Inbound(Channel.WEB, "t-no-key", f"t-no-key:{n}", kind, text))
        return "\n".join(r.text for r in replies)

    assert "个人信息保护法" in await send(InboundKind.TEXT, "绑定我家", 1)
    await send(InboundKind.BUTTON, "bind:consent:yes", 2)
    assert "还没有开通" in await send(InboundKind.TEXT, "123456789012", 3)
    assert not await binding_rows(engine)


async def test_unbinding_when_not_bound_and_stale_buttons(client, ledger: AsyncEngine) -> None:  # noqa: ANN001
    chat = ChatSession(client)
    await chat.say("删除我的绑定")
    assert "还没有绑定" in chat.text
    for button in ("bind:unbind:yes", "bind:members", "bind:remove:abc", "bind:removeyes:99", "bind:way:code", "bind:"):
        await chat.send(button=button)
        assert chat.replies and chat.replies[0]["text"]
    await chat.send(button="bind:way:code")  # a stale button never skips the consent
    assert "个人信息保护法" in chat.text
    assert await count(ledger, HouseholdBinding) == 0


async def test_once_bound_the_resident_is_answered_from_their_own_file_and_not_after_unbinding(
    client, ledger: AsyncEngine, clock: FakeClock
) -> None:  # noqa: ANN001
    """The binding flow and the personal answers together, as a resident meets them: bind, ask, unbind, ask."""
    chat = ChatSession(client)
    await chat.say("选房号是几号")
    assert "【您家的台账】" not in chat.text and "绑定我家" in [b["label"] for b in chat.buttons]
    await by_id_tail(chat, DG[0], DG[1], DG[2])
    assert f"已绑定 户号 {DG[0]}" in chat.text
    await chat.say("俺家能补多少")
    assert f"【您家的台账】户号 {DG[0]}" in chat.text and "评估" in chat.text
    assert XJ[0] not in chat.text
    await chat.say("解除绑定")
    await chat.press("确定解除")
    assert "已解除绑定" in chat.text and await binding_rows(ledger) == []
    await chat.say("选房号是几号")
    assert "【您家的台账】" not in chat.text and DG[0] not in chat.text
