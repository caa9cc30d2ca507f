"""The web chat for elderly residents, in a real Chromium on a phone: 大字模式 (kept across visits), 朗读 on every
answer (the browser's speech synthesis, observed through a stand-in installed before the page loads), the
conversation shown again after a reload, and every button and link labelled in words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import PHONE, chromium
from tests.web.test_chat_browser import BOT, TIMEOUT_MS, ask, chat_url, not_words, tap, wait_for_welcome

__all__ = ["chat_url"]  # the fixture, shared with the chat tests
pytestmark = pytest.mark.browser

SENIOR_FONT_PX = 24
SENIOR_TARGET_PX = 60  # MIIT 适老化: tap targets ≥ 60 × 60 dp in senior mode

# stands in for window.speechSynthesis: records what would be spoken; the test ends an utterance by hand
SPEECH = """
window.__spoken = [];
window.__cancels = 0;
Object.defineProperty(window, "speechSynthesis", { configurable: true, value: {
  speak(u) { window.__spoken.push(u); },
  cancel() { window.__cancels += 1; },
  getVoices() { return []; },
}});
if (typeof window.SpeechSynthesisUtterance !== "function") {
  window.SpeechSynthesisUtterance = function (text) { this.text = text; this.lang = ""; };
}
"""


@pytest.fixture
async def page(chat_url: str) -> AsyncIterator[Page]:
    async with chromium() as browser:
        context = await browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True, locale="zh-CN")
        context.set_default_timeout(TIMEOUT_MS)
        await context.add_init_script(SPEECH)
        page = await context.new_page()
        await page.goto(chat_url)
        try:
            yield page
        finally:
            await context.close()


async def sizes(page: Page, selector: str) -> list[tuple[str, float, float, float]]:
    """(label, font px, width, height) of every visible element matching `selector`."""
    return [
        tuple(row)
        for row in await page.evaluate(
            """(selector) => [...document.querySelectorAll(selector)].filter(el => el.offsetParent !== null)
             .map(el => { const r = el.getBoundingClientRect();
                          return [(el.innerText || el.id).slice(0, 12), parseFloat(getComputedStyle(el).fontSize),
                                  r.width, r.height]; })""",
            selector,
        )
    ]


async def test_senior_mode_is_large_and_kept_for_the_next_visit(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "搬迁费怎么算")
    toggle = page.get_by_role("button", name="大字模式")
    await expect(toggle).to_have_attribute("aria-pressed", "false")
    normal = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")

    await toggle.tap()
    await expect(page.locator("html.senior")).to_have_count(1)
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(toggle).to_contain_text("已打开")
    body = await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert body >= SENIOR_FONT_PX > normal, (normal, body)
    text = await sizes(page, "#log .bubble, #log .source, #log button, #log a, #text")
    small = [row for row in text if row[1] < SENIOR_FONT_PX - 2]
    assert text and not small, f"text under {SENIOR_FONT_PX - 2}px in senior mode: {small}"
    targets = await sizes(page, "#log button, #log a, #send, .media-button, #senior, .bar-links a")
    tiny = [row for row in targets if row[2] < SENIOR_TARGET_PX or row[3] < SENIOR_TARGET_PX]
    assert len(targets) >= 12 and not tiny, f"tap targets under {SENIOR_TARGET_PX}px: {tiny}"
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    await page.reload()  # the choice is remembered
    await expect(page.locator("html.senior")).to_have_count(1)
    await expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")
    await page.get_by_role("button", name="大字模式").tap()
    await page.reload()
    await expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "false")
    await expect(page.locator("html.senior")).to_have_count(0)


async def test_read_aloud_speaks_the_answer_in_chinese(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "搬迁费怎么算")
    answer = page.locator(BOT).last
    shown = await answer.locator(".bubble").inner_text()
    read = answer.get_by_role("button", name="朗读")
    await read.tap()
    spoken = await page.evaluate("window.__spoken.map(u => [u.text, u.lang])")
    assert spoken == [[shown, "zh-CN"]]
    assert "依据：" in spoken[0][0], "the policy source is read too"
    await expect(read).to_have_text("停止朗读")
    await expect(read).to_have_attribute("aria-pressed", "true")

    await read.tap()  # tapped again: stops
    await expect(read).to_have_text("朗读")
    assert await page.evaluate("window.__cancels") >= 2
    assert await page.evaluate("window.__spoken.length") == 1

    welcome = page.locator(BOT).first
    await welcome.get_by_role("button", name="朗读").tap()  # any answer, the welcome too
    assert await page.evaluate("window.__spoken.length") == 2
    await page.evaluate("window.__spoken[1].onend()")  # the browser finished reading
    await expect(welcome.get_by_role("button", name="朗读")).to_have_attribute("aria-pressed", "false")


async def test_the_conversation_is_shown_again_after_a_reload(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "过渡费怎么发")
    await tap(page, "button[data-id^='topic:']")
    before = await page.locator("#log .msg .bubble").all_inner_texts()
    session = await page.evaluate("localStorage.getItem('anju.session')")
    assert len(before) == 5 and session  # welcome, question, answer, topic tapped, its answer

    await page.reload()
    await expect(page.locator("#log .msg .bubble")).to_have_text(before)  # the same, in order, no second welcome
    assert await page.evaluate("localStorage.getItem('anju.session')") == session
    await expect(page.locator(f"{BOT} .buttons button").first).to_be_visible()

    # the restored answer's buttons still work, and the conversation goes on in the same session
    await tap(page, "button[data-id^='fb:1:']")
    await expect(page.locator(BOT).last).to_contain_text("谢谢")
    await ask(page, "搬迁费怎么算")
    await expect(page.locator(BOT).last).to_contain_text("依据：")
    assert await page.evaluate("localStorage.getItem('anju.session')") == session
    await page.reload()
    await expect(page.locator("#log .msg .bubble")).to_have_count(len(before) + 4)


async def test_every_button_and_link_says_what_it_does_in_words(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "搬迁费怎么算")
    labels = await page.evaluate(
        """() => [...document.querySelectorAll('button, a, label')].filter(el => el.offsetParent !== null)
                 .map(el => el.innerText.trim())"""
    )
    assert len(labels) >= 12 and not [label for label in labels if not_words(label)], labels
    await expect(page.get_by_role("link", name="补偿估算")).to_have_attribute("href", "/calc")
    await expect(page.get_by_role("link", name="办理情况")).to_have_attribute("href", "/stats")


async def test_calc_keeps_senior_mode_and_prints_from_a_button(page: Page) -> None:
    await page.add_init_script("window.__printed = 0; window.print = () => { window.__printed += 1; };")
    await wait_for_welcome(page)
    await page.get_by_role("button", name="大字模式").tap()
    await page.get_by_role("link", name="补偿估算").tap()
    await expect(page.locator("form.calc-form")).to_be_visible()
    await expect(page.locator("html.senior")).to_have_count(1)  # the choice made in the chat holds here too
    assert await page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= SENIOR_FONT_PX
    fields = await sizes(page, "#in-district, #in-area, button.submit")
    assert len(fields) == 3 and not [row for row in fields if row[3] < SENIOR_TARGET_PX], fields

    await page.locator("#in-district").select_option("dongguan")
    await page.locator("#in-area").fill("85")
    await page.locator("button.submit").tap()
    await expect(page.locator("#result table.estimate")).to_be_visible()
    await page.get_by_role("button", name="打印这份估算").tap()  # not "use the browser's menu"
    assert await page.evaluate("window.__printed") == 1


async def test_clearing_the_record_leaves_nothing_for_the_next_person(page: Page) -> None:
    await wait_for_welcome(page)
    await ask(page, "东关街18号的阁楼面积少算了")
    session = await page.evaluate("localStorage.getItem('anju.session')")
    await page.get_by_role("button", name="清除记录").tap()
    await wait_for_welcome(page)
    await expect(page.locator("#log .msg")).to_have_count(1)  # only a fresh welcome
    await page.reload()
    await expect(page.locator("#log .msg")).to_have_count(1)
    await expect(page.locator("#log")).not_to_contain_text("阁楼")
    fresh = await page.evaluate("localStorage.getItem('anju.session')")
    assert fresh and fresh != session
