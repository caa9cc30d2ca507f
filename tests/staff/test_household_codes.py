"""Binding codes from the dashboard: an admin generates a district's codes and gets the printable sheet (a QR code
per household, as SVG, opening /chat?bind=<code>); the database keeps only hashes; a code from the sheet binds in
the chat; generating again voids the old codes; other roles and strangers cannot open or post the page."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta

import aiohttp_jinja2
import pytest
import segno
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.households.bindings import binding_summary, district_codes
from bot.households.code_sheet import chat_url
from bot.households.models import HouseholdCode
from bot.settings import Settings
from tests.households.binding_support import DG, import_sample
from tests.households.ledger_files import KEY
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

Login = Callable[[str], Awaitable[StaffAgent]]
PATH = "/staff/households/codes"
BASE = "https://anju.example.gov.cn"
CODE_IN_URL = re.compile(r"/chat\?bind=(\d{12})")


@pytest.fixture
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    key = getattr(request, "param", KEY)  # a test may ask for another key (none)
    return dataclasses.replace(settings, household_id_key=key, public_base_url=BASE)


@pytest.fixture
async def ledger(app_engine: AsyncEngine, clock: FakeClock) -> AsyncEngine:
    await import_sample(app_engine, clock())
    return app_engine


async def sheet(admin: StaffAgent, **form: str) -> tuple[int, str]:
    await admin.page(PATH)
    response = await admin.post(PATH, {"district": "dongguan", **form})
    return response.status, await response.text()


async def test_the_sheet_has_a_qr_code_per_household_that_opens_the_chat_with_its_code(
    login: Login,
    ledger: AsyncEngine,
    client,
    clock: FakeClock,  # noqa: ANN001
) -> None:
    admin = await login("admin")
    page = await admin.page(PATH)
    assert "房屋档案绑定码" in page and 'href="/staff/households/codes"' in page
    assert "东关片区（dongguan）</td><td>1</td><td>0</td><td>0</td>" in page
    status, html = await sheet(admin)
    assert status == 200 and "东关片区 房屋档案绑定码（1 户）" in html
    assert "DG-0001" in html and "示例县东关街1号" in html and "示**" in html and "示例甲" not in html
    assert 'href="/static/code_sheet.css"' in html and "@page" not in html  # linked: staff pages allow no inline style
    [code] = set(CODE_IN_URL.findall(html))
    assert f"{code[:4]} {code[4:8]} {code[8:]}" in html  # printed in groups of four
    url = chat_url(BASE, code)
    assert url == f"{BASE}/chat?bind={code}"
    svg = re.search(r"<svg[^>]*class=\"qr\".*?</svg>", html, re.S)
    assert svg is not None and f"<title>{url}</title>" in svg.group(0)
    # the QR code's modules are exactly those of the chat's address with this code
    expected = segno.make_qr(url, error="m").svg_inline(omitsize=True, border=2, title=url, svgclass="qr")
    assert svg.group(0) == expected

    async with ledger.connect() as conn:
        stored = (await conn.execute(select(table_of(HouseholdCode)))).mappings().all()
    assert len(stored) == 1 and all(code not in str(dict(row)) for row in stored)  # a keyed hash only
    assert stored[0]["expires_at"] - clock() == timedelta(days=90) and stored[0]["issued_by"] == "staff:admin"
    assert "1</td><td>1</td><td>0" in await admin.page(PATH)  # the district now holds a valid code

    chat = ChatSession(client)  # the code on the sheet binds
    await chat.send(button=f"bind:open:{code}")
    await chat.press("同意")
    assert f"已绑定 户号 {DG[0]}" in chat.text
    async with ledger.connect() as conn:
        summary = await binding_summary(conn, stored[0]["household_id"], clock())
        districts = await district_codes(conn, clock())
    assert summary.count == 1 and summary.members[0].via == "绑定码" and summary.code_valid_until is None
    assert summary.members[0].label.startswith("网页用户 ") and chat.session not in summary.members[0].label
    assert (districts["dongguan"].households, districts["dongguan"].with_code, districts["dongguan"].bound) == (1, 0, 1)
    section = aiohttp_jinja2.get_env(client.app).get_template("staff/_household_bindings.html")
    shown = section.render(bindings=summary)
    assert "已绑定的聊天账号（1）" in shown and summary.members[0].label in shown and "绑定码" in shown
    assert "2026年9月15日" in shown and chat.session not in shown and "本户没有有效的绑定码" in shown


async def test_generating_again_voids_the_codes_not_used(login: Login, ledger: AsyncEngine, client) -> None:  # noqa: ANN001
    admin = await login("admin")
    _, first = await sheet(admin)
    _, again = await sheet(admin, household_no="DG-0001")  # one household's code re-issued
    [old], [new] = set(CODE_IN_URL.findall(first)), set(CODE_IN_URL.findall(again))
    assert old != new
    chat = ChatSession(client)
    await chat.send(button=f"bind:open:{old}")
    await chat.press("同意")
    assert "没有核对成功" in chat.text
    await chat.send(button=f"bind:open:{new}")
    await chat.press("同意")
    assert "已绑定 户号 DG-0001" in chat.text


async def test_bad_requests_get_a_page_not_a_sheet(login: Login, ledger: AsyncEngine) -> None:
    admin = await login("admin")
    status, page = await sheet(admin, district="nowhere")
    assert status == 400 and "请选择片区" in page and "<svg" not in page
    status, page = await sheet(admin, household_no="NO-SUCH")
    assert status == 404 and "没有户号为 NO-SUCH 的住户" in page
    status, page = await sheet(admin, household_no="x" * 200)
    assert status == 400
    status, page = await sheet(admin, district="beishan")  # no household of it in the ledger
    assert status == 404 and "还没有住户" in page


async def test_only_admins(login: Login, ledger: AsyncEngine, agents) -> None:  # noqa: ANN001
    staff = await login("dongguan")
    await staff.page(PATH, status=403)
    assert 'href="/staff/households/codes"' not in await staff.page("/staff")
    response = await staff.post(PATH, {"district": "dongguan"})
    assert response.status == 403 and "<svg" not in await response.text()
    stranger = await agents()
    response = await stranger.get(PATH)
    assert response.status == 303 and response.headers["Location"].startswith("/staff/login")
    response = await stranger.post(PATH, {"district": "dongguan"}, csrf=False)
    assert response.status == 403
    admin = await login("admin")
    await admin.page(PATH)
    response = await admin.post(PATH, {"district": "dongguan", "csrf": "forged"})
    assert response.status == 403
    async with ledger.connect() as conn:
        assert (await conn.execute(select(table_of(HouseholdCode)))).first() is None


@pytest.mark.parametrize("settings", [""], indirect=True)
async def test_without_the_key_no_code_is_issued(login: Login, ledger: AsyncEngine) -> None:
    admin = await login("admin")
    status, page = await sheet(admin)
    assert status == 409 and "ANJU_HOUSEHOLD_ID_KEY" in page and "<svg" not in page
