"""Screenshots of the staff dashboard and /stats for the README: docs/screenshots/staff-queue.png, staff-case.png,
staff-overview.png and stats.png.

    .venv/bin/python -m bench.staff_screenshots [--out docs/screenshots]

Seeds a fresh SQLite file with `python -m bot demo` (departments, routing, one account per role, sample cases),
starts the real app on it (`python -m bot serve`; its scheduler's first tick writes the reminders and 督办 of the
overdue sample case), then in headless Chromium (ANJU_CHROMIUM, default /usr/bin/chromium) at 1280 px wide:
the supervisor's queue, the compensation office's case page after an internal note and a public reply sent through
the page's forms, the supervisors' overview, and /stats. Chinese text needs fonts-noto-cjk.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright, expect

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
DESKTOP = {"width": 1280, "height": 860}
PASSWORD = "demo-password-2026"


def seed_demo(database_url: str) -> str:
    """`python -m bot demo` on the database; its output (accounts and case numbers)."""
    env = common.app_env(database_url, common.PROJECT_ROOT / "var" / "cache", ANJU_LOG_LEVEL="WARNING")
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--password", PASSWORD],
        cwd=common.PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


async def _login(browser: Browser, base_url: str, username: str) -> Page:
    context = await browser.new_context(viewport=DESKTOP, device_scale_factor=1, locale="zh-CN")
    context.set_default_timeout(20_000)
    page = await context.new_page()
    await page.goto(f"{base_url}/staff/login")
    await page.get_by_label("用户名").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("h1")).to_contain_text("案件队列")
    return page


async def _save(page: Page, path: Path) -> Path:
    await page.evaluate("document.fonts.ready")
    await page.screenshot(path=path, full_page=True)
    return path


async def shoot(base_url: str, out: Path, case_number: str) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    saved = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        supervisor = await _login(browser, base_url, "dudao")
        await expect(supervisor.locator("table.cases tbody tr")).not_to_have_count(0)
        saved.append(await _save(supervisor, out / "staff-queue.png"))

        office = await _login(browser, base_url, "buchang")
        await office.goto(f"{base_url}/staff/cases/{case_number}")
        await office.get_by_label("内部备注").fill("已联系财政局：资金本周三到位，周四可以发放。")
        await office.get_by_role("button", name="保存备注").click()
        await expect(office.locator(".flash.ok")).to_be_visible()
        await office.get_by_label("答复居民").fill("您好，补偿款已进入发放流程，预计本周四前到账，到账后会短信通知您。")
        await office.get_by_role("button", name="发送答复").click()
        await expect(office.locator(".flash.ok")).to_contain_text("答复已发送给居民")
        saved.append(await _save(office, out / "staff-case.png"))

        await supervisor.goto(f"{base_url}/staff/overview")
        await expect(supervisor.locator("#by-department")).to_be_visible()
        saved.append(await _save(supervisor, out / "staff-overview.png"))

        public = await (await browser.new_context(viewport=DESKTOP, locale="zh-CN")).new_page()
        await public.goto(f"{base_url}/stats")
        await expect(public.locator("#total")).not_to_have_text("0")
        saved.append(await _save(public, out / "stats.png"))
        await browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.staff_screenshots", description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=common.PROJECT_ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="anju-shots-") as tmp:
        url = common.sqlite_url(Path(tmp))
        output = seed_demo(url)
        number = next(
            word
            for line in output.splitlines()
            if line.startswith("示例案件")
            for word in line.split("：", 1)[1].split("、")
            if word.endswith("000002")
        )
        with common.running_app(url) as server:
            for path in asyncio.run(shoot(server.base_url, args.out, number)):
                print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
