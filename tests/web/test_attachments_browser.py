"""In a real Chromium: a photo uploaded in the web chat and one sent through the fake WeChat reach the handling
department's case page (thumbnail, full size on click, the opening in the case's history); staff of another
department get 404 for the case and for the photo itself."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import Browser, Page, expect

from bot import keys
from bot.app import create_app
from bot.media import ATTACHMENTS
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.channels.wechat.conftest import numbered, wechat_settings
from tests.staff.test_dashboard_browser import BOT, DESKTOP, say, tap
from tests.support.browser import PHONE, chromium, new_page
from tests.support.cases import PASSWORD, add_user
from tests.support.clock import FakeClock
from tests.support.fake_stt import FakeSpeechServer
from tests.support.fake_wechat import APP_ID, FakeWeChatApi
from tests.support.media_files import photo
from tests.support.wechat_client import WeChatResident

pytestmark = pytest.mark.browser
NUMBER = re.compile(r"AJ-\d{4}-\d{6}")


@pytest.fixture
async def wechat_api() -> AsyncIterator[FakeWeChatApi]:
    api = await FakeWeChatApi().start()
    yield api
    await api.close()


@pytest.fixture
async def server(
    aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock, wechat_api: FakeWeChatApi, tmp_path: Path
) -> TestServer:
    configured = replace(
        wechat_settings(settings, wechat_api, safe=False),
        attachments_dir=tmp_path / "attachments",
        attachment_retry_interval=0,
    )
    server = await aiohttp_server(create_app(configured, clock=clock, knowledge=kb))
    await add_user(server.app[keys.ENGINE], "comp1", "department_staff", "comp_office", clock())
    await add_user(server.app[keys.ENGINE], "dongguan", "department_staff", "wg_dongguan", clock())
    return server


async def web_complaint_with_photo(page: Page, picture: Path) -> str:
    await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    await tap(page, "登记诉求")
    await tap(page, "补偿金额")
    await tap(page, "东关片区")
    before = await page.locator(BOT).count()
    await page.locator("#photo").set_input_files(str(picture))
    await expect(page.locator(BOT)).not_to_have_count(before)
    await expect(page.locator(BOT).nth(before)).to_contain_text("收到图片")
    await say(page, "东关街18号3单元")
    await say(page, "评估报告漏算了阁楼面积，照片是阁楼")
    await say(page, "重新测量并复核评估")
    await say(page, "13800138000")
    await expect(page.locator(BOT).last).to_contain_text("图片：1 张")
    await tap(page, "确认提交")
    found = NUMBER.search(await page.locator(BOT).last.inner_text())
    assert found is not None
    return found.group(0)


async def wechat_complaint_with_photo(resident: WeChatResident, api: FakeWeChatApi) -> str:
    async def choose(label: str) -> str:
        choices = numbered(resident.last.text if resident.last else "")
        return (await resident.say(str(choices[label]))).text

    api.add_media("wx-photo-1", photo(colour="#3b6d8a"), "image/jpeg")
    await resident.deliver(resident.event_xml("CLICK", "intent:complaint"))
    await choose("补偿款没按时发")
    await choose("西街片区")
    await resident.deliver(resident.image_xml(media_id="wx-photo-1"))
    for answer in ("西街社区5号", "协议签了两个月，补偿款还没到账", "尽快支付", "13800138000"):
        await resident.say(answer)
    found = NUMBER.search(await choose("确认提交"))
    assert found is not None
    return found.group(0)


async def log_in(browser: Browser, base: str, username: str) -> Page:
    staff = await new_page(browser, f"{base}/staff", viewport=DESKTOP)
    await staff.get_by_label("用户名").fill(username)
    await staff.get_by_label("密码").fill(PASSWORD)
    await staff.get_by_role("button", name="登录").click()
    await expect(staff.locator("h1")).to_contain_text("案件队列")
    return staff


async def open_photo(staff: Page, base: str, number: str) -> str:
    """On the case page: the thumbnail is shown; clicking opens the full picture. Its URL."""
    await staff.goto(f"{base}/staff/cases/{number}")
    await expect(staff.locator("h1")).to_have_text(number)
    thumbnail = staff.locator(".attachments img")
    await expect(thumbnail).to_have_count(1)
    # the thumbnail really loads (waited for: the page is shown before its images arrive)
    await staff.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=await thumbnail.element_handle())
    async with staff.context.expect_page() as opened:
        await thumbnail.click()
    full = await opened.value
    await full.wait_for_load_state()
    assert await full.locator("img").evaluate("img => img.naturalWidth") == 800
    url = full.url
    await full.close()
    await staff.reload()
    await expect(staff.locator("details.views")).to_contain_text("打开了图片材料")
    return url


async def test_photos_reach_the_handling_department_only(
    server: TestServer, browser: Browser, aiohttp_client, clock: FakeClock, wechat_api: FakeWeChatApi, tmp_path: Path
) -> None:
    base = str(server.make_url("/")).rstrip("/")
    picture = tmp_path / "阁楼.jpg"
    picture.write_bytes(photo())
    resident = await new_page(browser, f"{base}/chat", viewport=PHONE, is_mobile=True, has_touch=True)
    web_number = await web_complaint_with_photo(resident, picture)

    wechat = WeChatResident(await aiohttp_client(server), clock, app_id=APP_ID)
    wechat_number = await wechat_complaint_with_photo(wechat, wechat_api)
    await server.app[ATTACHMENTS].drain()  # the WeChat photo is fetched in the background

    staff = await log_in(browser, base, "comp1")
    photo_urls = [await open_photo(staff, base, number) for number in (web_number, wechat_number)]

    other = await log_in(browser, base, "dongguan")
    for number, url in zip((web_number, wechat_number), photo_urls):
        response = await other.goto(f"{base}/staff/cases/{number}")
        assert response is not None and response.status == 404
        for address in (url, url + "/thumb"):
            response = await other.goto(address)
            assert response is not None and response.status == 404


@pytest.fixture
async def speech() -> AsyncIterator[FakeSpeechServer]:
    server = await FakeSpeechServer().start()
    yield server
    await server.close()


async def test_hold_to_talk_records_in_the_browser_and_is_answered(
    aiohttp_server, settings: Settings, kb: KnowledgeBase, clock: FakeClock, speech: FakeSpeechServer, tmp_path: Path
) -> None:
    configured = replace(settings, stt_url=speech.url, attachments_dir=tmp_path / "attachments")
    server = await aiohttp_server(create_app(configured, clock=clock, knowledge=kb))
    speech.say("过渡费怎么发")
    # Chromium's fake microphone (a tone) and no permission prompt: MediaRecorder records for real
    async with chromium("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream") as browser:
        page = await new_page(browser, str(server.make_url("/chat")), viewport=PHONE, permissions=["microphone"])
        await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
        talk = page.get_by_role("button", name="按住说话")
        await expect(talk).to_be_visible()
        await talk.dispatch_event("pointerdown")
        await expect(page.get_by_role("button", name="松开发送")).to_be_visible()
        await page.wait_for_timeout(1000)  # a second of speech: the recording itself takes real time
        await page.get_by_role("button", name="松开发送").dispatch_event("pointerup")
        await expect(page.locator(BOT).filter(has_text="我听到的是：过渡费怎么发")).to_have_count(1)
        await expect(page.locator(BOT).last).to_contain_text("临时安置费")
    (received,) = speech.received
    assert received.sample_rate == 16_000  # the browser's WebM/Opus went through ffmpeg
