"""axe-core (vendored, tests/support/axe) in a real Chromium on every page residents and staff use: /chat (normal and
大字 senior mode, with an answer on screen), /calc (form, mistakes, result), /stats, and the staff login, queue, case page,
overview, routing and Telegram pages. No violation of impact serious or critical may remain."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot import keys
from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.staff.test_dashboard_browser import BOT, DESKTOP, say
from tests.support.accessibility import serious_violations
from tests.support.browser import PHONE, new_context
from tests.support.cases import PASSWORD, add_user, file_case
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser


@pytest.fixture
async def server(aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> TestServer:  # noqa: ANN001
    server = await aiohttp_server(create_app(settings, clock=clock, knowledge=kb))
    await add_user(server.app[keys.ENGINE], "comp1", "department_staff", "comp_office", clock())
    await add_user(server.app[keys.ENGINE], "admin", "admin", None, clock())
    return server


async def check(page: Page, failures: dict[str, list[str]]) -> None:
    found = await serious_violations(page)
    if found:
        failures[page.url] = found


def report(failures: dict[str, list[str]]) -> str:
    return "\n".join(f"{url}:\n  " + "\n  ".join(found) for url, found in failures.items())


async def log_in(page: Page, base: str, username: str) -> None:
    await page.goto(f"{base}/staff/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("h1")).not_to_have_text("登录")


async def test_resident_pages_have_no_serious_violations(server: TestServer, browser: Browser) -> None:
    base = str(server.make_url("/")).rstrip("/")
    phone = await new_context(browser, bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = await phone.new_page()
    failures: dict[str, list[str]] = {}

    await page.goto(f"{base}/chat")
    await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    await say(page, "搬迁费怎么算")
    await check(page, failures)
    await page.get_by_role("button", name="大字模式").tap()
    await expect(page.locator("html.senior")).to_have_count(1)
    await check(page, failures)

    await page.goto(f"{base}/calc")
    await check(page, failures)
    await page.locator("#in-area").fill("85")
    await page.locator("button.submit").tap()
    await expect(page.locator("#in-district[aria-invalid='true']")).to_have_count(1)
    await check(page, failures)  # the mistakes listed at the top and next to the field
    await page.locator("#in-district").select_option("dongguan")
    await page.locator("button.submit").tap()
    await expect(page.locator("#result table.estimate")).to_be_visible()
    await check(page, failures)

    await page.goto(f"{base}/stats")
    await check(page, failures)
    await phone.close()
    assert not failures, report(failures)


async def test_staff_pages_have_no_serious_violations(server: TestServer, browser: Browser, clock: FakeClock) -> None:
    base = str(server.make_url("/")).rstrip("/")
    case = await file_case(server.app[keys.ENGINE], clock())
    failures: dict[str, list[str]] = {}

    desk = await new_context(browser, bypass_csp=True, viewport=DESKTOP)
    page = await desk.new_page()
    await page.goto(f"{base}/staff/login")
    await check(page, failures)
    await log_in(page, base, "comp1")
    await check(page, failures)  # the queue
    await page.goto(f"{base}/staff/cases/{case.number}")
    await expect(page.locator("h1")).to_have_text(case.number)
    await check(page, failures)
    await page.goto(f"{base}/staff/telegram")
    await check(page, failures)
    await desk.close()

    admin = await new_context(browser, bypass_csp=True, viewport=DESKTOP)
    page = await admin.new_page()
    await log_in(page, base, "admin")
    for path in ("/staff/overview", "/staff/routing"):
        await page.goto(f"{base}{path}")
        await check(page, failures)
    await admin.close()
    assert not failures, report(failures)


async def test_a_mistyped_address_offers_links_to_the_pages(server: TestServer, browser: Browser) -> None:
    base = str(server.make_url("/")).rstrip("/")
    phone = await new_context(browser, bypass_csp=True, viewport=PHONE, is_mobile=True, has_touch=True)
    page = await phone.new_page()
    response = await page.goto(f"{base}/chta")
    assert response is not None and response.status == 404
    await expect(page.get_by_role("heading", name="没有找到这个页面")).to_be_visible()
    assert await serious_violations(page) == []
    await page.get_by_role("link", name="去咨询和登记诉求").tap()
    await expect(page).to_have_url(f"{base}/chat")
    await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    await phone.close()
