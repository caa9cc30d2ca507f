"""The web chat page in a real headless Chromium on a phone-sized screen, the way a resident uses it."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Dialog, Page, expect

from bot.app import create_app
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.conftest import CACHE_DIR
from tests.support.browser import PHONE, TIMEOUT_MS, chromium
from tests.support.clock import FakeClock

pytestmark = pytest.mark.browser

MENU_LABELS = ["咨询政策", "估算补偿", "登记诉求", "申请帮助", "查进度", "转人工"]
MIN_FONT_PX = 18
MIN_BUTTON_PX = 44

BOT = "#log .msg.bot"


@pytest.fixture
async def chat_url(aiohttp_server, tmp_path: Path, kb: KnowledgeBase) -> str:  # noqa: ANN001
    settings = Settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'anju.db'}", cache_dir=CACHE_DIR)
    server = await aiohttp_server(create_app(settings, clock=FakeClock(), knowledge=kb))
    return str(server.make_url("/chat"))


@pytest.fixture
async def page(chat_url: str) -> AsyncIterator[Page]:
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        page = await context.new_page()
        await page.goto(chat_url)
        try:
            yield page
        finally:
            await context.close()


async def wait_for_welcome(page: Page) -> None:
    await expect(page.locator(f"{BOT} .buttons button")).to_have_count(len(MENU_LABELS))


async def ask(page: Page, text: str) -> None:
    """Type `text` and send it, then wait until the bot has answered it."""
    before = await page.locator(BOT).count()
    await page.locator("#text").fill(text)
    await page.locator("#send").tap()
    await expect(page.locator("#log .msg.me .bubble").last).to_have_text(text)
    await expect(page.locator(BOT)).not_to_have_count(before)


async def tap(page: Page, selector: str) -> str:
    """Tap the first button matching `selector` in the bot's last message; wait for the answer; its label."""
    button = page.locator(BOT).last.locator(selector).first
    label = await button.inner_text()
    before = await page.locator(BOT).count()
    await button.tap()
    await expect(page.locator("#log .msg.me .bubble").last).to_have_text(label)
    await expect(page.locator(BOT)).not_to_have_count(before)
    return label


async def test_welcome_question_related_topic_and_feedback(page: Page) -> None:
    await wait_for_welcome(page)
    await expect(page.locator(f"{BOT} .buttons button")).to_have_text(MENU_LABELS)

    await ask(page, "过渡费怎么发")
    answer = page.locator(BOT).last
    await expect(answer).to_contain_text("依据：")
    await expect(answer).to_contain_text("临时安置费")
    await expect(answer.locator("button[data-id^='topic:']")).not_to_have_count(0)

    label = await tap(page, "button[data-id^='topic:']")
    related = page.locator(BOT).last
    await expect(related).to_contain_text("依据：")
    assert label, "a related-topic button has a label"

    await tap(page, "button[data-id^='fb:1:']")
    await expect(page.locator(BOT).last).to_contain_text("谢谢")


def not_words(label: str) -> bool:
    """A label that needs an emoji font to be read: a symbol or emoji (So/Sk), a variation selector, or no word."""
    symbols = [c for c in label if unicodedata.category(c) in ("So", "Sk") or 0xFE00 <= ord(c) <= 0xFE0F]
    return bool(symbols) or not any(unicodedata.category(c).startswith(("L", "N")) for c in label)


async def test_feedback_buttons_are_words(page: Page) -> None:
    # regression (issue 9, point 14): 👍/👎 rendered as empty boxes without an emoji font
    await wait_for_welcome(page)
    await ask(page, "搬迁费怎么算")
    answer = page.locator(BOT).last
    await expect(answer.locator("button[data-id^='fb:']")).to_have_text(["有用", "没用"])
    labels = await page.locator("#log button").all_inner_texts()
    assert labels and not [label for label in labels if not_words(label)], labels
    await tap(page, "button[data-id^='fb:0:']")
    await expect(page.locator(BOT).last).to_contain_text("换个说法")


async def test_typed_markup_is_shown_as_text_and_never_runs(page: Page) -> None:
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", on_dialog)
    await wait_for_welcome(page)
    markup = "<img src=x onerror=alert(1)>"
    await ask(page, markup)
    await expect(page.locator("#log .msg.me .bubble").last).to_have_text(markup)
    await expect(page.locator("#log img")).to_have_count(0)
    assert await page.evaluate("document.images.length") == 0
    # anything the reply could have triggered has had its chance: one more round trip first
    await ask(page, "搬迁费怎么算")
    assert dialogs == []


async def test_large_type_and_big_buttons_on_a_phone(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "搬迁费怎么算")
    sizes = await page.evaluate(
        """() => [...document.querySelectorAll('#log .bubble, #log button, #text, #send')]
                 .map(el => [el.tagName + '.' + el.className + ' ' + (el.innerText || el.id).slice(0, 12),
                             parseFloat(getComputedStyle(el).fontSize)])"""
    )
    small = [(name, px) for name, px in sizes if px < MIN_FONT_PX]
    assert sizes and not small, f"text under {MIN_FONT_PX}px: {small}"

    buttons = page.locator("#log button, #send")
    heights = [
        (await buttons.nth(i).inner_text(), (await buttons.nth(i).bounding_box() or {}).get("height", 0))
        for i in range(await buttons.count())
    ]
    low = [(label, h) for label, h in heights if h < MIN_BUTTON_PX]
    assert len(heights) >= 6 + 4 and not low, f"buttons under {MIN_BUTTON_PX}px tall: {low}"

    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"
