"""查看条文 in the web chat, in a real headless Chromium on a phone-sized screen, as a resident taps it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.conftest import CACHE_DIR
from tests.support.browser import PHONE, TIMEOUT_MS, chromium
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser

BOT = "#log .msg.bot"


@pytest.fixture
async def page(aiohttp_server, tmp_path: Path, kb: KnowledgeBase) -> AsyncIterator[Page]:  # noqa: ANN001
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}", cache_dir=CACHE_DIR)
    server = await aiohttp_server(create_app(settings, clock=FakeClock(), knowledge=kb))
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        await page.goto(str(server.make_url("/chat")))
        try:
            yield page
        finally:
            await context.close()


async def tap(page: Page, label: str) -> None:
    """Tap the button labelled `label` in the bot's last message and wait for the answer."""
    before = await page.locator(BOT).count()
    await page.locator(BOT).last.get_by_role("button", name=label, exact=True).tap()
    await expect(page.locator("#log .msg.me .bubble").last).to_have_text(label)
    await expect(page.locator(BOT)).not_to_have_count(before)


async def test_tapping_the_articles_button_shows_the_article_text(page: Page, kb: KnowledgeBase) -> None:
    await expect(page.locator(f"{BOT} .buttons button")).not_to_have_count(0)
    before = await page.locator(BOT).count()
    await page.locator("#text").fill("不服补偿决定能打官司吗")
    await page.locator("#send").tap()
    await expect(page.locator(BOT)).not_to_have_count(before)
    answer = page.locator(BOT).last
    await expect(answer).to_contain_text("依据：")

    await tap(page, "查看条文")
    shown = page.locator(BOT).last
    regulation = kb.statutes.act("国有土地上房屋征收与补偿条例")
    await expect(shown).to_contain_text("《国有土地上房屋征收与补偿条例》")
    await expect(shown).to_contain_text("第十四条\u3000" + regulation.article(14).text)
    for paragraph in regulation.article(26).text.split("\n"):
        await expect(shown).to_contain_text(paragraph)
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    first = await page.locator(BOT).count()
    while await page.locator(BOT).last.get_by_role("button", name="下一页条文").count():
        await tap(page, "下一页条文")
    pages = [await page.locator(BOT).nth(i).inner_text() for i in range(first - 1, await page.locator(BOT).count())]
    assert len(pages) >= 2, "the articles of this answer take more than one page"
    assert any(kb.statutes.act("行政诉讼法").article(46).text.split("\n")[0] in text for text in pages)
    await expect(page.locator(BOT).last).to_contain_text("照录官方公布的文本")
