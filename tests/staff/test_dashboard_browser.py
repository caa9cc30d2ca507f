"""The whole loop in a real headless Chromium: a resident files a complaint in /chat; a staff member logs into /staff,
finds the case, signs for it and replies; the outbox worker delivers; the resident's chat page — which polls
/api/chat/updates — shows the reply. Waits are on what the pages show, never on the clock."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot import keys
from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.support.browser import PHONE, new_page
from tests.support.cases import PASSWORD, add_user, case_row
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
BOT = "#log .msg.bot"
REPLY = "您好，评估公司将于本周五上午上门复核阁楼面积，请家里留人。"


@pytest.fixture
async def server(aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> TestServer:  # noqa: ANN001
    """The app on a real port (SQLite and PostgreSQL); background workers off — the test runs the outbox itself."""
    server = await aiohttp_server(create_app(settings, clock=clock, knowledge=kb))
    await add_user(server.app[keys.ENGINE], "comp1", "department_staff", "comp_office", clock())
    return server


async def answered(page: Page, before: int) -> None:
    await expect(page.locator(BOT)).not_to_have_count(before)


async def tap(page: Page, label: str) -> None:
    """Tap the button labelled `label` in the bot's last message and wait for the answer."""
    before = await page.locator(BOT).count()
    await page.locator(BOT).last.locator(".buttons button", has_text=label).first.tap()
    await answered(page, before)


async def say(page: Page, text: str) -> None:
    before = await page.locator(BOT).count()
    await page.locator("#text").fill(text)
    await page.locator("#send").tap()
    await answered(page, before)


async def file_complaint(page: Page) -> str:
    """Fill in 登记诉求 in the chat, the way a resident does; the case number the bot shows."""
    await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    await tap(page, "登记诉求")
    await tap(page, "补偿金额")
    await tap(page, "东关片区")
    await say(page, "东关街18号3单元")
    await say(page, "评估报告漏算了阁楼面积十二平方米")
    await say(page, "重新测量并复核评估")
    await say(page, "13800138000")
    await tap(page, "确认提交")
    receipt = page.locator(BOT).last
    await expect(receipt).to_contain_text(re.compile(r"AJ-\d{4}-\d{6}"))
    found = re.search(r"AJ-\d{4}-\d{6}", await receipt.inner_text())
    assert found is not None
    return found.group(0)


async def test_staff_reply_reaches_the_residents_chat(server: TestServer, browser: Browser) -> None:
    base = str(server.make_url("/")).rstrip("/")
    resident = await new_page(browser, f"{base}/chat", viewport=PHONE, is_mobile=True, has_touch=True)
    number = await file_complaint(resident)

    staff = await new_page(browser, f"{base}/staff", viewport=DESKTOP)
    await expect(staff).to_have_url(re.compile(r"/staff/login$"))
    await staff.get_by_label("用户名").fill("comp1")
    await staff.get_by_label("密码").fill(PASSWORD)
    await staff.get_by_role("button", name="登录").click()
    await expect(staff.locator("h1")).to_contain_text("案件队列")

    await staff.get_by_role("searchbox", name="搜索").fill(number)
    await staff.get_by_role("button", name="筛选").click()
    row = staff.locator(f'tr[data-number="{number}"]')
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("138****8000")
    await expect(staff.locator("table.cases tbody tr")).to_have_count(1)
    await row.get_by_role("link", name=number).click()
    await expect(staff.locator("h1")).to_have_text(number)

    await staff.get_by_role("button", name="签收").click()
    await expect(staff.locator(".flash.ok")).to_contain_text("已签收")
    await expect(staff.locator("#phone")).to_contain_text("13800138000")  # the assignee sees the number
    await staff.get_by_label("答复居民").fill(REPLY)
    await staff.get_by_role("button", name="发送答复").click()
    await expect(staff.locator(".flash.ok")).to_contain_text("答复已发送给居民")
    await expect(staff.locator(".timeline .event.public").last).to_contain_text(REPLY)
    assert (await case_row(server.app[keys.ENGINE], number))["status"] == "replied"

    report = await server.app[keys.OUTBOX].tick()  # the worker's run: 受理 notice and the reply
    assert report.delivered == 2
    await expect(resident.locator(BOT).filter(has_text=REPLY)).to_have_count(1)
    await expect(resident.locator(BOT).filter(has_text="已由县房屋征收补偿办公室受理")).to_have_count(1)
    await expect(resident.locator(BOT).last).to_contain_text(number)
