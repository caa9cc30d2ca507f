"""In a real headless Chromium: a resident opens /chat and is bound to a household of 东关片区; a work-group member
logs into /staff, writes a 选房通知, previews it (the text and the recipient count) and sends it; the report shows it
waiting, the outbox worker runs, the report shows it delivered; the resident's chat page shows the notice, and its
不再接收此类通知 button turns such notices off. Waits are on what the pages show, never on the clock."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, expect
from sqlalchemy import select

from bot import keys
from bot.app import create_app
from bot.db.models import Resident
from bot.district_notices.models import DistrictNotice
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.staff.test_dashboard_browser import BOT, DESKTOP
from tests.support.accessibility import serious_violations
from tests.support.bindings import bind, import_households
from tests.support.browser import PHONE, new_page
from tests.support.cases import PASSWORD, add_user, load_test_routing
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser
TITLE = "东关片区选房时间安排"
BODY = "东关片区将于10月8日起按选房顺序号选房，\n请带好身份证和选房确认单。"


@pytest.fixture
async def server(aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> TestServer:  # noqa: ANN001
    server = await aiohttp_server(create_app(settings, clock=clock, knowledge=kb))
    engine = server.app[keys.ENGINE]
    await load_test_routing(engine, clock())
    await add_user(engine, "dongguan", "department_staff", "wg_dongguan", clock())
    await import_households(engine, clock(), n=4)
    return server


async def test_compose_preview_send_and_watch_the_report(
    server: TestServer,
    browser: Browser,  # noqa: F811
    clock: FakeClock,
) -> None:
    base = str(server.make_url("/")).rstrip("/")
    engine = server.app[keys.ENGINE]
    resident = await new_page(browser, f"{base}/chat", viewport=PHONE, is_mobile=True, has_touch=True)
    await expect(resident.locator(f"{BOT} .buttons button")).not_to_have_count(0)  # the welcome: the resident exists
    async with engine.connect() as conn:
        (resident_id,) = (await conn.execute(select(Resident.__table__.c.id))).scalars().all()
    await bind(engine, resident_id, "T-000000", "网页用户 张", clock())

    staff = await new_page(browser, f"{base}/staff", viewport=DESKTOP, bypass_csp=True)
    await staff.get_by_label("用户名").fill("dongguan")
    await staff.get_by_label("密码").fill(PASSWORD)
    await staff.get_by_role("button", name="登录").click()
    await staff.get_by_role("link", name="片区通知").click()
    await expect(staff.locator("h1")).to_have_text("片区通知")
    await staff.get_by_role("link", name="写通知").click()
    assert await serious_violations(staff) == []
    await staff.get_by_label("类别").select_option(label="选房通知")
    await staff.get_by_label("发给").select_option(label="东关片区")
    await staff.get_by_label("标题").fill(TITLE)
    await staff.get_by_label("正文").fill(BODY)
    await staff.get_by_role("button", name="预览").click()

    await expect(staff.locator("#recipient-count")).to_contain_text("将发给 1 位居民（1 户）")
    await expect(staff.locator("#notice-text")).to_contain_text("【选房通知】" + TITLE)
    await expect(staff.locator("#notice-text")).to_contain_text("东关片区征收工作组")
    assert await serious_violations(staff) == []
    await staff.get_by_role("button", name="确认发送").click()

    await expect(staff.locator("h1")).to_have_text(f"发送情况：{TITLE}")
    await expect(staff.locator(".flash.ok")).to_contain_text("通知已交给发送队列")
    await expect(staff.locator('[data-count="waiting"]')).to_have_text("1")
    assert await serious_violations(staff) == []

    async with engine.connect() as conn:  # the body as written, line break included (carried by the preview)
        assert await conn.scalar(select(DistrictNotice.__table__.c.body)) == BODY
    report = await server.app[keys.OUTBOX].tick()
    assert report.delivered == 1
    await staff.reload()  # the page reloads itself every few seconds while anything waits; here at once
    await expect(staff.locator('[data-count="sent"]')).to_have_text("1")
    await expect(staff.locator('[data-count="waiting"]')).to_have_text("0")
    row = staff.locator("#recipients tbody tr")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("T-000000")
    await expect(row).to_contain_text("已送达")

    notice = resident.locator(BOT).filter(has_text=TITLE)
    await expect(notice).to_have_count(1)
    await expect(notice).to_contain_text("请带好身份证和选房确认单")
    await notice.locator(".buttons button", has_text="不再接收此类通知").tap()
    await expect(resident.locator(BOT).last).to_contain_text("已关闭片区通知")

    await staff.get_by_role("link", name="返回片区通知列表").click()
    await expect(staff.locator("#notices tbody tr")).to_have_count(1)
    await expect(staff.locator("#notices tbody tr")).to_contain_text(TITLE)
