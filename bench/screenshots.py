"""Screenshots of the web chat and /calc on a phone for the README: docs/screenshots/chat-*.png, calc-result.png.

Chinese text needs fonts-noto-cjk (no label depends on an emoji font).

    .venv/bin/python -m bench.screenshots [--out docs/screenshots] [--only chat|calc]

Starts the real app (`python -m bot serve`, fresh SQLite file in a temp dir), opens /chat in headless Chromium
(ANJU_CHROMIUM, default /usr/bin/chromium) at 390×844, and saves the welcome menu and a cited answer;
then fills in /calc and saves the estimate table (calc-result.png). `--only chat|calc` takes one set.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from playwright.async_api import Page, async_playwright, expect

from bench import common

CHROMIUM = os.environ.get("ANJU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
BOT = "#log .msg.bot"
QUESTION = "搬迁费怎么算？"


async def _ask(page: Page, text: str) -> None:
    before = await page.locator(BOT).count()
    await page.locator("#text").fill(text)
    await page.locator("#send").tap()
    await expect(page.locator(BOT)).not_to_have_count(before)


async def shoot(url: str, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = await browser.new_context(
            viewport=PHONE, device_scale_factor=2, has_touch=True, is_mobile=True, locale="zh-CN"
        )
        context.set_default_timeout(20_000)
        page = await context.new_page()
        await page.goto(url)
        await expect(page.locator(f"{BOT} .buttons button")).to_have_count(6)
        await page.evaluate("document.fonts.ready")
        saved.append(out / "chat-welcome.png")
        await page.screenshot(path=saved[-1])

        await _ask(page, QUESTION)
        answer = page.locator(BOT).last
        await expect(answer).to_contain_text("依据：")
        # the answer's first lines, as a resident sees them after sending
        await page.locator("#log .msg.me").last.evaluate("el => el.scrollIntoView({block: 'start'})")
        saved.append(out / "chat-answer.png")
        await page.screenshot(path=saved[-1])
        # its end: the source line (依据：…), related topics and 有用 / 没用
        await answer.locator(".source").evaluate("el => el.scrollIntoView({block: 'start'})")
        saved.append(out / "chat-answer-source.png")
        await page.screenshot(path=saved[-1])
        await context.close()
        await browser.close()
    return saved


CALC_FORM = {"#in-district": "dongguan", "#in-area": "八十五平", "#in-decoration": "standard",
             "#in-exchange_area": "100"}  # fmt: skip


async def shoot_calc(base_url: str, out: Path) -> list[Path]:
    """/calc on a phone: fill in the form, submit, and save the result table (docs/screenshots/calc-result.png).

    The table is long: 1.5× pixels keep the picture sharp at a reasonable file size."""
    out.mkdir(parents=True, exist_ok=True)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = await browser.new_context(
            viewport=PHONE, device_scale_factor=1.5, has_touch=True, is_mobile=True, locale="zh-CN"
        )
        context.set_default_timeout(20_000)
        page = await context.new_page()
        await page.goto(f"{base_url}/calc")
        for selector, value in CALC_FORM.items():
            if selector in ("#in-district", "#in-decoration"):
                await page.locator(selector).select_option(value)
            else:
                await page.locator(selector).fill(value)
        # a sign date still open on the day the picture is taken: the one the page itself suggests
        suggested = await page.locator("#in-sign_date").get_attribute("placeholder") or ""
        await page.locator("#in-sign_date").fill(suggested.removeprefix("例如 "))
        await page.locator("button.submit").tap()
        await expect(page.locator("#result table.estimate")).to_be_visible()
        await page.evaluate("document.fonts.ready")
        saved = out / "calc-result.png"
        await page.locator("#result").screenshot(path=saved)
        await context.close()
        await browser.close()
    return [saved]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=common.PROJECT_ROOT / "docs" / "screenshots")
    parser.add_argument("--only", choices=("chat", "calc"), help="only the /chat or only the /calc pictures")
    args = parser.parse_args(argv)
    with common.running_app() as server:
        if args.only in (None, "chat"):
            for path in asyncio.run(shoot(f"{server.base_url}/chat", args.out)):
                print(path)
        if args.only in (None, "calc"):
            for path in asyncio.run(shoot_calc(server.base_url, args.out)):
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
