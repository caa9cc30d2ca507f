"""阳光征收 in a real headless Chromium: an admin finds the results 尚未公布, publishes them and the signing progress at
/staff/publication; a resident whose chat is bound to a household of the project gets the link in the web chat,
opens it and reads the table with every name masked — no full name anywhere on the page; /stats shows the
progress chart and its table with the ledger's numbers. axe-core finds no serious violation on these pages."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot import keys
from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.households.sunshine import (
    NAMES,
    SIGNING_START,
    TODAY,
    bind,
    import_ledger,
    in_project,
    ledger,
    masked,
    two_project_kb,
)
from tests.staff.test_dashboard_browser import BOT, DESKTOP, say
from tests.staff.test_sunshine import expected_progress
from tests.support.accessibility import serious_violations
from tests.support.browser import PHONE, new_context
from tests.support.cases import PASSWORD, add_user
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser
ROWS = 160  # 80 households of 城关


@pytest.fixture
async def server(aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> TestServer:  # noqa: ANN001
    server = await aiohttp_server(create_app(settings, clock=clock, knowledge=two_project_kb(kb)))
    await add_user(server.app[keys.ENGINE], "admin", "admin", None, clock())
    return server


async def no_serious_violations(page: Page) -> None:
    found = await serious_violations(page)
    assert not found, f"{page.url}:\n" + "\n".join(found)


async def publish(page: Page, form: str, button: str) -> None:
    """Tick the confirmation in the form labelled `form` and press its 公布 button, as an admin does."""
    where = page.get_by_role("form", name=form)
    await where.get_by_label("县征收部门已决定公布").check()
    await where.get_by_role("button", name=button).click()
    await expect(page.locator(".flash.ok")).to_have_text("已公布。")


async def test_admin_publishes_and_a_bound_resident_reads_masked_results(
    server: TestServer, browser: Browser, clock: FakeClock
) -> None:
    base = str(server.make_url("/")).rstrip("/")
    engine = server.app[keys.ENGINE]
    found = ledger(ROWS)
    await import_ledger(engine, found, clock())
    chengguan = in_project(found, "chengguan")

    # the resident's chat, bound to a household of 城关 (as the binding flow leaves it); nothing published yet
    phone = await new_context(browser, bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    chat = await phone.new_page()
    await chat.goto(f"{base}/chat")
    await expect(chat.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    session = await chat.evaluate("localStorage.getItem('anju.session')")
    await bind(engine, session, chengguan[3]["no"], clock())
    await say(chat, "搬迁费怎么算")
    await expect(chat.locator("#results-link")).to_be_hidden()

    # the admin: 尚未公布, then publish the results and the progress
    desk = await new_context(browser, bypass_csp=True, viewport=DESKTOP)
    staff = await desk.new_page()
    await staff.goto(f"{base}/staff/login")
    await staff.get_by_label("用户名").fill("admin")
    await staff.get_by_label("密码").fill(PASSWORD)
    await staff.get_by_role("button", name="登录").click()
    await expect(staff.locator("h1")).not_to_have_text("登录")
    await staff.goto(f"{base}/staff/results/chengguan")
    await expect(staff.locator("#publication-state")).to_contain_text("尚未公布")
    await staff.get_by_role("link", name="阳光征收").first.click()
    await expect(staff.locator("h1")).to_have_text("阳光征收：公布设置")
    await no_serious_violations(staff)
    await publish(staff, "示例县城关棚户区改造项目分户补偿结果", "公布分户补偿结果")
    await publish(staff, "示例县城关棚户区改造项目签约进度", "公布签约进度")
    await expect(staff.locator("#publication-history tbody tr")).to_have_count(2)
    await staff.get_by_role("link", name="查看分户补偿结果").first.click()
    await expect(staff.locator("#publication-state")).to_contain_text("已公布")
    await expect(staff.locator("#results tbody tr")).to_have_count(len(chengguan))
    await no_serious_violations(staff)

    # the resident: the link appears with the next answer; it opens the table, names masked
    await say(chat, "过渡费怎么发")
    link = chat.locator("#results-link")
    await expect(link).to_be_visible()
    await link.tap()
    await expect(chat).to_have_url(re.compile(r"/results/chengguan\?token="))
    await expect(chat.locator("h1")).to_have_text("示例县城关棚户区改造项目分户补偿结果")
    await expect(chat.locator("#results tbody th")).to_have_text([h["no"] for h in chengguan])
    await expect(chat.locator("#results td.name")).to_have_text([masked(h["name"]) for h in chengguan])
    html, text = await chat.content(), await chat.locator("body").inner_text()
    assert not [name for name in NAMES if name in html or name in text]
    await expect(chat.locator("#data-date")).to_have_text("2026年9月15日 17:00")
    await no_serious_violations(chat)
    await chat.get_by_label("户号（可只填开头几位）").fill(chengguan[3]["no"])
    await chat.get_by_role("button", name="查找").tap()
    await expect(chat.locator("#results tbody th")).to_have_text([chengguan[3]["no"]])

    # anyone on /stats: the progress of 城关, its table the ledger's numbers, one column a day
    public = await (await new_context(browser, bypass_csp=True, viewport=PHONE, is_mobile=True)).new_page()
    await public.goto(f"{base}/stats")
    section = public.locator("#progress-chengguan")
    await expect(section.locator("h2")).to_have_text("示例县城关棚户区改造项目签约进度")
    expected = expected_progress(found, ["dongguan", "xijie"])
    for key, counts in expected.items():
        row = section.locator(f'#progress-districts-chengguan tr[data-key="{key}"]')
        for column, number in counts.items():
            await expect(row.locator(f'td[data-col="{column}"]')).to_have_text(str(number))
    days = (TODAY - SIGNING_START).days + 1
    await expect(section.locator("figure.columns svg rect.fill")).to_have_count(days)
    await expect(section.locator("figure.columns svg")).to_have_attribute("aria-label", "累计签约户数（按日）")
    await section.get_by_text("按日签约明细（表格）").click()
    last = section.locator(f'#progress-days-chengguan tr[data-day="{TODAY.isoformat()}"] td[data-col="cumulative"]')
    await expect(last).to_have_text(str(expected["total"]["signed"]))
    await expect(public.locator("#progress-nanhe")).to_have_count(0)  # the other project published nothing
    await no_serious_violations(public)
    await phone.close()
    await desk.close()
