"""The QR code of the binding-code sheet in a real headless Chromium: /chat?bind=CODE shows the consent first, the
address bar forgets the code at once, and 同意 binds the household."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.conftest import CACHE_DIR
from tests.households.binding_support import DG, binding_rows, import_sample, issue
from tests.households.ledger_files import KEY
from tests.support.browser import PHONE, chromium
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser
BOT = "#log .msg.bot"


@pytest.fixture
async def server(aiohttp_server, tmp_path: Path, kb: KnowledgeBase):  # noqa: ANN001, ANN201
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}", cache_dir=CACHE_DIR, household_id_key=KEY
    )
    return await aiohttp_server(create_app(settings, clock=FakeClock(), knowledge=kb))


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
        context.set_default_timeout(15_000)
        try:
            yield await context.new_page()
        finally:
            await context.close()


async def test_the_qr_address_asks_consent_then_binds(server, page: Page) -> None:  # noqa: ANN001
    engine: AsyncEngine = server.app[keys.ENGINE]
    clock = FakeClock()
    await import_sample(engine, clock())
    issued = await issue(engine, clock())
    await page.goto(str(server.make_url(f"/chat?bind={issued.code}")))
    await expect(page.locator(BOT).last).to_contain_text("个人信息保护法")
    assert issued.code not in page.url and page.url.endswith("/chat")  # gone from the address bar (and history)
    await expect(page.locator("#log .msg.me .bubble").last).to_have_text("绑定我家")
    assert not await binding_rows(engine)  # nothing before the consent
    await page.locator(BOT).last.locator("button", has_text="同意").first.tap()
    await expect(page.locator(BOT).last).to_contain_text(f"已绑定 户号 {DG[0]}（{DG[3]}）")
    assert issued.code not in await page.content()
    assert len(await binding_rows(engine)) == 1
