"""The real headless Chromium the browser tests drive: Debian's package, never a downloaded browser."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

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
PHONE = {"width": 390, "height": 844}  # a phone-sized screen, as residents use the chat
TIMEOUT_MS = 15_000  # what a step may wait for in the browser tests


@contextlib.asynccontextmanager
async def chromium(*extra_args: str) -> AsyncIterator[Browser]:
    """Debian's Chromium, launched headless for one test (skipped where it is not installed), closed after it."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set ANJU_CHROMIUM)")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args], headless=True)
        try:
            yield browser
        finally:
            await browser.close()


async def new_context(browser: Browser, **options: object) -> BrowserContext:
    """A Chinese-speaking browser context with the tests' step timeout (`bypass_csp=True` to run axe-core on pages
    that forbid every script: the staff pages, /stats, the results page)."""
    made = await browser.new_context(locale="zh-CN", **options)  # type: ignore[arg-type]
    made.set_default_timeout(TIMEOUT_MS)
    return made


async def new_page(browser: Browser, url: str, **options: object) -> Page:
    """A page of a fresh context, opened at `url`."""
    page = await (await new_context(browser, **options)).new_page()
    await page.goto(url)
    return page
