"""The compensation estimate in a real headless Chromium on a phone: the /calc form, and 估算补偿 in the /chat page.

Uses the server and page fixtures of test_chat_browser.py (the app on a real port, Chromium from ANJU_CHROMIUM)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from playwright.async_api import Page, expect

from bot.compensation import estimate, estimate_to_json, household_from_fields, parse_params
from knowledge.base import KnowledgeBase
from tests.web.test_chat_browser import (  # noqa: F401  (chat_url and page are fixtures used here)
    BOT,
    MIN_BUTTON_PX,
    MIN_FONT_PX,
    PHONE,
    ask,
    chat_url,
    page,
    tap,
    wait_for_welcome,
)

pytestmark = pytest.mark.browser

FORM = {"district": "dongguan", "area": "八十五平", "decoration": "standard", "exchange_area": "100",
        "sign_date": "2026-10-10"}  # fmt: skip
SELECTS = ("district", "use", "decoration", "orientation")


def engine(kb: KnowledgeBase, fields: dict[str, str]) -> dict[str, Any]:
    params = parse_params(kb.params)
    return estimate_to_json(estimate(household_from_fields(fields, params), params))


def plain(shown: str) -> str:
    return f"{Decimal(shown.replace(',', '')):.2f}"


def compact(amount: str) -> str:
    """How the chat's table shows a JSON amount: "549320.00" → "549,320"."""
    return f"{Decimal(amount):,.2f}".removesuffix(".00")


async def open_calc(page: Page, chat_url: str) -> None:
    await page.goto(chat_url.replace("/chat", "/calc"))
    await expect(page.locator("form.calc-form")).to_be_visible()


async def fill(page: Page, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        box = page.locator(f"#in-{name}")
        if name in SELECTS:
            await box.select_option(value)
        else:
            await box.fill(value)


async def amount(page: Page, option: str, key: str) -> str:
    return plain(await page.locator(f"#result td[data-option='{option}'][data-key='{key}']").inner_text())


async def test_calc_form_on_a_phone_gives_the_engines_totals(page: Page, chat_url: str, kb: KnowledgeBase) -> None:
    await open_calc(page, chat_url)
    # large type and big targets, like /chat
    sizes = await page.evaluate(
        "() => [...document.querySelectorAll('label, input, select, button')].map(el => "
        "[el.tagName, el.id || el.htmlFor || el.textContent.slice(0, 8), parseFloat(getComputedStyle(el).fontSize),"
        " el.getBoundingClientRect().height, el.offsetParent !== null])"
    )
    assert not [s for s in sizes if s[2] < MIN_FONT_PX], sizes
    targets = [s for s in sizes if s[0] in ("INPUT", "SELECT", "BUTTON") and s[4]]
    assert len(targets) >= 8 and not [s for s in targets if s[3] < MIN_BUTTON_PX], targets

    await fill(page, FORM)
    await page.locator("button.submit").tap()
    await expect(page.locator("#result table.estimate")).to_be_visible()
    assert "/calc?" in page.url  # the result has its own address: it can be bookmarked, shared and printed

    expected = engine(kb, FORM)
    for option in ("money", "exchange"):
        data = expected["options"][option]
        assert await amount(page, option, "total") == data["total"]
        assert await amount(page, option, "net") == data["net"]
        for line in (*data["lines"], *data["payments"]):
            assert await amount(page, option, line["key"]) == line["amount"], line["key"]
    assert await amount(page, "exchange", "payments_total") == expected["options"]["exchange"]["payments_total"]
    await expect(page.locator("#result")).to_contain_text(expected["reminder"])
    await expect(page.locator("#in-area")).to_have_value("八十五平")  # the form keeps what was typed
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    # printed: only the estimate, every line with its workings
    await page.emulate_media(media="print")
    await expect(page.locator("form.calc-form")).to_be_hidden()
    await expect(page.locator("header.bar")).to_be_hidden()
    await expect(page.locator("#result table.estimate")).to_be_visible()
    await expect(page.locator("#result .how").first).to_be_visible()


async def test_calc_form_shows_mistakes_next_to_the_fields(page: Page, chat_url: str) -> None:
    await open_calc(page, chat_url)
    await fill(page, {"district": "dongguan", "area": "-85", "sign_date": "2026-08-01"})
    await page.locator("button.submit").tap()
    await expect(page.locator("#f-area .error")).to_contain_text("不能是负数")
    await expect(page.locator("#f-sign_date .error")).to_contain_text("已经过去了（今天是 2026-09-15）")
    await expect(page.locator("#result.alert")).to_contain_text("2 处需要修改")
    await expect(page.locator("table.estimate")).to_have_count(0)
    await expect(page.locator("#in-area")).to_have_value("-85")
    await expect(page.locator("#in-district")).to_have_value("dongguan")

    await page.locator("#in-area").fill("85")
    await page.locator("#in-sign_date").fill("")
    await page.locator("button.submit").tap()
    await expect(page.locator("#result table.estimate")).to_be_visible()
    await expect(page.locator(".error")).to_have_count(0)


async def test_calculator_in_the_chat_page(page: Page, kb: KnowledgeBase) -> None:
    await wait_for_welcome(page)
    await tap(page, "button[data-id='intent:calculator']")
    await expect(page.locator(BOT).last).to_contain_text("哪个片区")
    await tap(page, "button:has-text('东关片区')")
    await ask(page, "八十五平")
    await expect(page.locator(BOT).last).to_contain_text("做什么用")
    await tap(page, "button:has-text('住宅')")
    await tap(page, "button:has-text('普通装修')")
    await tap(page, "button:has-text('还没有')")
    await ask(page, "100")
    await expect(page.locator(BOT).last).to_contain_text("哪天签约")
    await tap(page, "button:has-text('10月15日前签')")

    expected = engine(kb, {**FORM, "sign_date": "2026-10-15"})
    money, exchange = expected["options"]["money"], expected["options"]["exchange"]
    log = page.locator("#log")
    await expect(log).to_contain_text("补偿估算结果")
    await expect(log).to_contain_text(f"{compact(money['total'])}｜{compact(exchange['total'])}")
    await expect(log).to_contain_text(f"{compact(money['net'])}｜{compact(exchange['net'])}")
    await expect(log).to_contain_text("两种方式怎么选")
    await expect(page.locator(f"{BOT} .links a")).to_have_text(["打开网页版估算页面（已填好您的回答）"])
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "no sideways scrolling"

    await tap(page, "button:has-text('查看计算明细')")
    await expect(log).to_contain_text("【产权调换】计算明细")
    first = money["lines"][0]
    await expect(log).to_contain_text(f"算法：{first['formula']}")


async def test_the_estimate_in_the_chat_links_to_calc_with_the_residents_answers(page: Page, kb: KnowledgeBase) -> None:
    # regression (issue 9, point 14): the chat told residents to edit the address bar to reach /calc
    await wait_for_welcome(page)
    await tap(page, "button[data-id='intent:calculator']")
    await tap(page, "button:has-text('西街片区')")
    await ask(page, "一百二十平")
    await tap(page, "button:has-text('住宅')")
    await tap(page, "button:has-text('精装修')")
    await tap(page, "button:has-text('还没有')")
    await tap(page, "button:has-text('跳过')")
    await tap(page, "button:has-text('11月30日前签')")
    advice = page.locator(BOT).last
    await expect(advice).to_contain_text("两种方式怎么选")
    await expect(advice).not_to_contain_text("换成")  # no address-bar instructions any more
    link = advice.locator(".links a")
    await expect(link).to_have_text("打开网页版估算页面（已填好您的回答）")
    box = await link.bounding_box()
    assert box is not None and box["height"] >= MIN_BUTTON_PX, "the link is as easy to hit as a button"

    await link.tap()
    await page.wait_for_url("**/calc?**")
    assert page.url.split("?")[0].endswith("/calc")
    await expect(page.locator("#result table.estimate")).to_be_visible()
    # the page opens on the resident's own answers, and shows the estimate the chat showed
    await expect(page.locator("#in-district")).to_have_value("xijie")
    await expect(page.locator("#in-area")).to_have_value("120")
    await expect(page.locator("#in-decoration")).to_have_value("fine")
    await expect(page.locator("#in-sign_date")).to_have_value("2026-11-30")
    expected = engine(kb, {"district": "xijie", "area": "120", "decoration": "fine", "sign_date": "2026-11-30"})
    net = page.locator("td[data-option='exchange'][data-key='net']")
    assert plain(await net.inner_text()) == expected["options"]["exchange"]["net"]
