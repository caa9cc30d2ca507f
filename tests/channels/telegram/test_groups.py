"""Department group chats, through the real PTB library against the fake Bot API (SQLite and PostgreSQL): new and
overdue cases are posted to the department's group with a 签收 button; staff link their Telegram account with a
one-time code from the dashboard; a claim from the group is checked exactly like one from the dashboard."""

from __future__ import annotations

import asyncio
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from bot import keys
from bot.cases.errors import NotFound
from bot.cases.models import Department, TelegramLinkCode
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.vocabulary import Category
from bot.channels.telegram.staff_chat import INVALID_BUTTON, NOT_LINKED
from tests.channels.telegram.conftest import TelegramBot
from tests.staff.agent import StaffAgent
from tests.support.cases import add_user, case_row, file_case
from tests.support.clock import FakeClock
from tests.support.telegram_group import StaffMember, TelegramGroup

departments = Department.__table__
staff_users = StaffUserRow.__table__
link_codes = TelegramLinkCode.__table__
CODE = re.compile(r'id="link-code"><strong>([A-Z0-9]+)</strong>')
GROUPS = {"comp_office": -1001001, "discipline": -1001002, "wg_dongguan": -1001003}


@pytest.fixture
async def groups(webhook_bot: TelegramBot) -> dict[str, TelegramGroup]:
    async with webhook_bot.app[keys.ENGINE].begin() as conn:
        for code, chat_id in GROUPS.items():
            await conn.execute(
                update(departments).where(departments.c.code == code).values(telegram_group_chat_id=chat_id)
            )
    return {
        code: TelegramGroup(webhook_bot.fake, webhook_bot.processed, chat_id, f"{code} 工作群")
        for code, chat_id in GROUPS.items()
    }


async def deliver(bot: TelegramBot, clock: FakeClock) -> None:
    """Run the outbox until nothing is waiting (one message per second to a chat: wait for the chat's slot)."""
    pacing = bot.channel.sender._pacing  # type: ignore[attr-defined]
    for _ in range(6):
        await asyncio.sleep(max(pacing.delay(chat) for chat in GROUPS.values()))
        clock.advance(seconds=30)
        report = await bot.app[keys.OUTBOX].tick()
        if report.retried == 0:
            return


def member(bot: TelegramBot, user_id: int, name: str) -> StaffMember:
    return StaffMember(bot.fake, bot.processed, user_id, name)


async def link_code(bot: TelegramBot, username: str) -> str:
    """Log in to the dashboard as `username`, press 生成绑定码, read the code shown."""
    agent = StaffAgent(SimpleNamespace(server=bot.server))  # type: ignore[arg-type]
    try:
        assert (await agent.login(username)).status == 303
        page = await agent.page("/staff/telegram")
        assert "生成绑定码" in page and "尚未绑定" in page
        response = await agent.post("/staff/telegram")
        html = await response.text()
        assert response.status == 200, html[:1000]
        return CODE.search(html).group(1)
    finally:
        await agent.close()


async def linked(bot: TelegramBot, username: str, user_id: int, clock: FakeClock) -> StaffMember:
    account = member(bot, user_id, username)
    answer = await account.say(f"/link {await link_code(bot, username)}")
    assert "绑定成功" in answer, answer
    return account


async def telegram_id(bot: TelegramBot, username: str) -> int | None:
    async with bot.app[keys.ENGINE].connect() as conn:
        return await conn.scalar(select(staff_users.c.telegram_user_id).where(staff_users.c.username == username))


async def test_new_case_is_posted_to_its_department_group(webhook_bot: TelegramBot, groups, clock: FakeClock) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    filed = await file_case(engine, clock(), category=Category.COMPENSATION, phone="13800138000")
    await deliver(webhook_bot, clock)
    post = groups["comp_office"].post_of(filed.number)
    assert post is not None, groups["comp_office"].messages
    assert "新案件" in post["text"] and "补偿金额" in post["text"] and "东关片区" in post["text"]
    assert "期限" in post["text"]
    assert "13800138000" not in post["text"] and "138" not in post["text"] and "东关街18号" not in post["text"]
    labels = [b["text"] for row in post["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["签收"]
    assert groups["wg_dongguan"].post_of(filed.number) is None and groups["discipline"].post_of(filed.number) is None


async def test_staff_conduct_complaint_only_in_the_discipline_group(
    webhook_bot: TelegramBot, groups, clock: FakeClock
) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    filed = await file_case(
        engine, clock(), category=Category.STAFF_CONDUCT, named_unit="comp_office", description="补偿办的人态度恶劣"
    )
    await deliver(webhook_bot, clock)
    assert groups["discipline"].post_of(filed.number) is not None
    for code in ("comp_office", "wg_dongguan"):
        assert all(filed.number not in m["text"] for m in groups[code].messages)

    # someone from the accused office who sits in the discipline group cannot claim it: as in the dashboard
    accused = await add_user(engine, "comp_x", "department_staff", "comp_office", clock())
    account = await linked(webhook_bot, accused.username, 7101, clock)
    answer = await groups["discipline"].press(account, groups["discipline"].post_of(filed.number))
    assert answer["text"] == str(NotFound())
    assert (await case_row(engine, filed.number))["assignee_id"] is None

    jijian = await add_user(engine, "jijian", "department_staff", "discipline", clock())
    account = await linked(webhook_bot, jijian.username, 7102, clock)
    answer = await groups["discipline"].press(account, groups["discipline"].post_of(filed.number))
    assert "签收成功" in answer["text"]
    assert (await case_row(engine, filed.number))["assignee_id"] == jijian.id


async def test_linking_with_a_one_time_code(webhook_bot: TelegramBot, clock: FakeClock) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    await add_user(engine, "comp1", "department_staff", "comp_office", clock())
    await add_user(engine, "comp2", "department_staff", "comp_office", clock())
    code = await link_code(webhook_bot, "comp1")
    async with engine.connect() as conn:
        stored = (await conn.execute(select(link_codes.c.code_hash))).scalars().all()
    assert len(stored) == 1 and code not in stored[0] and len(stored[0]) == 64  # hashed at rest

    me = member(webhook_bot, 7201, "comp1")
    assert "绑定成功" in await me.say(f"/link {code.lower()}")
    assert await telegram_id(webhook_bot, "comp1") == 7201
    assert "绑定成功" in await me.say(f"/link {code}")  # the same person sending it again: still linked
    other = member(webhook_bot, 7202, "someone")
    assert "无效" in await other.say(f"/link {code}")  # used
    assert await telegram_id(webhook_bot, "comp1") == 7201

    expired = await link_code(webhook_bot, "comp2")
    clock.advance(minutes=11)
    assert "无效" in await other.say(f"/link {expired}")
    assert await telegram_id(webhook_bot, "comp2") is None
    assert "无效" in await other.say("/link NOTACODE12")
    assert "/link 绑定码" in await other.say("/link")


async def test_claim_from_the_group(webhook_bot: TelegramBot, groups, clock: FakeClock) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    comp1 = await add_user(engine, "comp1", "department_staff", "comp_office", clock())
    await add_user(engine, "comp2", "department_staff", "comp_office", clock())
    await add_user(engine, "dongguan", "department_staff", "wg_dongguan", clock())
    filed = await file_case(engine, clock(), category=Category.COMPENSATION)
    await deliver(webhook_bot, clock)
    group = groups["comp_office"]
    post = dict(group.post_of(filed.number))  # as it was when the others saw it: with the button

    stranger = member(webhook_bot, 7300, "路人")
    answer = await group.press(stranger, post)
    assert answer["text"] == NOT_LINKED and answer["show_alert"]
    assert (await group.press(stranger, post, data="claim:1|forged-tag"))["text"] == INVALID_BUTTON

    # another department is refused exactly as in the dashboard (the case looks like no case at all)
    dongguan = await linked(webhook_bot, "dongguan", 7303, clock)
    assert (await group.press(dongguan, post))["text"] == str(NotFound())
    assert (await case_row(engine, filed.number))["assignee_id"] is None

    first = await linked(webhook_bot, "comp1", 7301, clock)
    answer = await group.press(first, post)
    assert "签收成功" in answer["text"]
    row = await case_row(engine, filed.number)
    assert row["assignee_id"] == comp1.id and row["status"] == "accepted"
    edited = group.post_of(filed.number)
    assert "已由comp1签收" in edited["text"] and "reply_markup" not in edited

    second = await linked(webhook_bot, "comp2", 7302, clock)
    answer = await group.press(second, post)  # a stale copy of the button
    assert "已由comp1签收" in answer["text"]
    assert (await case_row(engine, filed.number))["assignee_id"] == comp1.id


async def test_overdue_case_is_posted_again(webhook_bot: TelegramBot, groups, clock: FakeClock) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    filed = await file_case(engine, clock(), category=Category.COMPENSATION)
    await deliver(webhook_bot, clock)
    clock.advance(days=10)
    report = await webhook_bot.app[keys.SCHEDULER].tick()
    assert report.escalations >= 1
    await deliver(webhook_bot, clock)
    posts = [m for m in groups["comp_office"].messages if filed.number in m["text"]]
    assert len(posts) >= 2 and "超期督办" in posts[-1]["text"]
    assert [b["text"] for row in posts[-1]["reply_markup"]["inline_keyboard"] for b in row] == ["签收"]


async def test_transferred_case_is_posted_to_the_new_department(
    webhook_bot: TelegramBot, groups, clock: FakeClock
) -> None:
    engine = webhook_bot.app[keys.ENGINE]
    dispatcher = await add_user(engine, "paidan", "dispatcher", "dispatch", clock())
    filed = await file_case(engine, clock(), category=Category.COMPENSATION)
    await deliver(webhook_bot, clock)
    async with engine.connect() as conn:
        dongguan_id = await conn.scalar(select(departments.c.id).where(departments.c.code == "wg_dongguan"))
    await webhook_bot.app[keys.CASES].transfer(dispatcher, filed.number, dongguan_id, "属于片区工作组")
    await deliver(webhook_bot, clock)
    post = groups["wg_dongguan"].post_of(filed.number)
    assert post is not None and "新案件" in post["text"]
    assert [b["text"] for row in post["reply_markup"]["inline_keyboard"] for b in row] == ["签收"]
