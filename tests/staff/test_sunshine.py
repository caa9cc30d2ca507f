"""阳光征收 over HTTP, on SQLite and PostgreSQL: the chat's link to a project's published per-household results, the
page it opens (masked names, sorted by 户号, pages), the same 404 for everyone else — no token, an altered or expired
token, a resident of the other project, an unbound resident, results not published or withdrawn — the staff page
(尚未公布 before publication, the table after), the admin's switch with who and when, and the signing progress on
/stats only once published, its numbers the ledger's."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import unescape

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.db.base import table_of
from bot.households.models import HouseholdBinding
from bot.households.publications import PublicationSwitch
from bot.settings import Settings
from knowledge.base import KnowledgeBase
from tests.households.sunshine import (
    DISTRICT_NAMES,
    NAMES,
    SIGNING_START,
    TODAY,
    bind,
    import_ledger,
    in_project,
    ledger,
    masked,
    two_project_kb,
)
from tests.staff.agent import StaffAgent
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]
HTML = {"Accept": "text/html"}
bindings = table_of(HouseholdBinding)
ROWS = 240  # 120 households per project: a page of 100 and one of 20


@pytest.fixture
async def client(aiohttp_client, settings: Settings, kb: KnowledgeBase, clock: FakeClock) -> TestClient:  # noqa: ANN001
    return await aiohttp_client(create_app(settings, clock=clock, knowledge=two_project_kb(kb)))


@pytest.fixture
async def seeded(app_engine: AsyncEngine, clock: FakeClock) -> list[dict]:
    found = ledger(ROWS)
    await import_ledger(app_engine, found, clock())
    return found


async def publish(agent: StaffAgent, project: str, item: str, on: bool = True) -> str:
    form = {"project": project, "item": item, "published": "1" if on else "0"}
    if on:
        form["confirm"] = "yes"
    response = await agent.post("/staff/publication", form)
    if response.status == 303:  # done: the page it sends back to
        return await agent.page(response.headers["Location"])
    return await response.text()


async def link_for(client: TestClient, session: str) -> tuple[int, dict]:
    response = await client.post("/api/chat/results", json={"session": session})
    return response.status, await response.json()


def numbers(page: str) -> list[str]:
    return re.findall(r'<tr data-no="([^"]+)">', page)


def shown_names(page: str) -> list[str]:
    return [unescape(n) for n in re.findall(r'<td class="name">([^<]*)</td>', page)]


async def test_a_bound_resident_reads_the_published_results_with_names_masked(
    client: TestClient, app_engine: AsyncEngine, clock: FakeClock, seeded: list[dict], login: Login
) -> None:
    chengguan = in_project(seeded, "chengguan")
    await bind(app_engine, "resident-cg", chengguan[5]["no"], clock())
    status, body = await link_for(client, "resident-cg")
    assert status == 404 and "公布之后" in body["error"]  # nothing is published yet

    admin = await login("admin")
    assert "已公布。" in await publish(admin, "chengguan", "results")
    status, body = await link_for(client, "resident-cg")
    assert status == 200 and body["href"].startswith("/results/chengguan?token=")

    response = await client.get(body["href"], headers=HTML)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    page = await response.text()
    assert numbers(page) == [h["no"] for h in chengguan[:100]]  # by 户号, the first page of 100
    assert shown_names(page) == [masked(h["name"]) for h in chengguan[:100]]
    assert not [name for name in NAMES if name in page]  # no full name anywhere on the page
    assert re.search(r'id="results-total">(\d+)<', page)[1] == str(len(chengguan))
    first = chengguan[0]
    row = page.split(f'<tr data-no="{first["no"]}">')[1].split("</tr>")[0]
    assert DISTRICT_NAMES[first["district"]] in row and f"{first['legal_area']:,.2f}" in row
    assert (f"{first['assessed_value']:,.2f}" if first["assessed_value"] is not None else "—") in row
    assert "条例第二十九条" in page and "分户补偿情况在房屋征收范围内向被征收人公布" in page  # the article, verbatim
    assert re.search(r'id="data-date">([^<]+)<', page)[1] == "2026年9月15日 17:00"  # the import's time, Beijing

    next_page = page.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0]
    second = await (await client.get(unescape(next_page), headers=HTML)).text()
    assert numbers(second) == [h["no"] for h in chengguan[100:]]
    searched = await client.get(
        "/results/chengguan", params={"token": body["href"].split("token=")[1], "no": first["no"]}, headers=HTML
    )
    assert numbers(await searched.text()) == [first["no"]]
    prefix = await client.get(
        "/results/chengguan", params={"token": body["href"].split("token=")[1], "no": "DG-00"}, headers=HTML
    )
    assert numbers(await prefix.text()) == [h["no"] for h in chengguan if h["no"].startswith("DG-00")]
    assert len([h for h in chengguan if h["no"].startswith("DG-00")]) == 25  # DG-0000 … DG-0096
    odd = await client.get(
        "/results/chengguan",
        params={"token": body["href"].split("token=")[1], "no": "<b>张</b>", "page": "x"},
        headers=HTML,
    )
    odd_page = await odd.text()
    assert odd.status == 200 and "户号只能由字母、数字" in odd_page and "<b>张" not in odd_page
    assert numbers(odd_page) == [h["no"] for h in chengguan[:100]]  # the first page, unfiltered
    beyond = await client.get(
        "/results/chengguan", params={"token": body["href"].split("token=")[1], "page": "999999"}, headers=HTML
    )
    assert numbers(await beyond.text()) == [h["no"] for h in chengguan[100:]]  # the last page there is
    assert (await client.post("/api/chat/results", data=b"not json")).status == 400
    assert (await client.post("/api/chat/results", json={"session": 5})).status == 400


async def test_everyone_else_gets_the_same_404(
    client: TestClient, app_engine: AsyncEngine, clock: FakeClock, seeded: list[dict], login: Login
) -> None:
    await bind(app_engine, "resident-cg", in_project(seeded, "chengguan")[0]["no"], clock())
    await bind(app_engine, "resident-nh", in_project(seeded, "nanhe")[0]["no"], clock())
    admin = await login("admin")
    await publish(admin, "chengguan", "results")
    await publish(admin, "nanhe", "results")
    _, mine = await link_for(client, "resident-cg")
    _, other = await link_for(client, "resident-nh")
    assert other["href"].startswith("/results/nanhe?")
    token = mine["href"].split("token=")[1]
    other_token = other["href"].split("token=")[1]
    altered = token[:-1] + ("A" if token[-1] != "A" else "B")

    async def status(path: str, **params: str) -> int:
        return (await client.get(path, params=params, headers=HTML)).status

    assert await status("/results/chengguan", token=token) == 200
    assert await status("/results/chengguan") == 404  # no token
    assert await status("/results/chengguan", token="") == 404
    assert await status("/results/chengguan", token=altered) == 404
    assert await status("/results/chengguan", token=other_token) == 404  # the other project's resident
    assert await status("/results/nanhe", token=token) == 404  # … and this one on the other project's page
    assert await status("/results/unknown", token=token) == 404
    # an unbound resident gets no link, and a resident who unbinds loses the page at once
    assert (await link_for(client, "nobody"))[0] == 404
    leaving = await bind(app_engine, "resident-unbound", in_project(seeded, "chengguan")[1]["no"], clock())
    _, third = await link_for(client, "resident-unbound")
    assert await status("/results/chengguan", token=third["href"].split("token=")[1]) == 200
    async with app_engine.begin() as conn:
        await conn.execute(bindings.delete().where(bindings.c.resident_id == leaving))
    assert await status("/results/chengguan", token=third["href"].split("token=")[1]) == 404

    clock.advance(minutes=61)  # the link lasts an hour
    assert await status("/results/chengguan", token=token) == 404
    _, fresh = await link_for(client, "resident-cg")
    fresh_token = fresh["href"].split("token=")[1]
    assert await status("/results/chengguan", token=fresh_token) == 200

    await publish(admin, "chengguan", "results", on=False)  # withdrawn: gone for residents at once
    assert await status("/results/chengguan", token=fresh_token) == 404
    assert (await link_for(client, "resident-cg"))[0] == 404
    gone = await client.get("/results/chengguan", params={"token": fresh_token}, headers=HTML)
    page = await gone.text()
    assert "没有找到这个页面" in page and not [name for name in NAMES if name in page]
    assert gone.headers["Referrer-Policy"] == "no-referrer" and gone.headers["Cache-Control"] == "no-store"


async def test_before_publication_staff_see_the_notice(
    client: TestClient, app_engine: AsyncEngine, clock: FakeClock, seeded: list[dict], login: Login
) -> None:
    staff = await login("comp1")
    page = await staff.page("/staff/results/chengguan")
    assert "尚未公布" in page and not numbers(page)  # the notice, and no household, for staff …
    admin = await login("admin")
    preview = await admin.page("/staff/results/chengguan")
    assert "尚未公布" in preview and "预览" in preview and len(numbers(preview)) == 100  # … admins preview it

    assert "只有管理员" in await publish(staff, "chengguan", "results")  # only admins switch
    refused = await admin.post("/staff/publication", {"project": "chengguan", "item": "results", "published": "1"})
    assert refused.status == 400 and "请勾选确认" in await refused.text()
    await publish(admin, "chengguan", "results")
    page = await staff.page("/staff/results/chengguan")
    assert "尚未公布" not in page and "已公布" in page and "staff:admin" in page
    assert numbers(page) == [h["no"] for h in in_project(seeded, "chengguan")[:100]]
    assert not [name for name in NAMES if name in page]
    async with app_engine.connect() as conn:
        rows = (await conn.execute(select(PublicationSwitch.__table__))).mappings().all()
    assert [(r["project"], r["item"], r["published"], r["changed_by"]) for r in rows] == [
        ("chengguan", "results", True, "staff:admin")
    ]
    assert rows[0]["changed_at"] == clock()
    history = await staff.page("/staff/publication")
    assert "示例县城关棚户区改造项目" in history and "公布记录" in history and "staff:admin" in history
    assert "没有这个征收项目" in await staff.page("/staff/results/unknown", status=404)


def progress_table(page: str, project: str) -> dict[str, dict[str, int]]:
    body = page.split(f'id="progress-districts-{project}"')[1].split("</table>")[0]
    found: dict[str, dict[str, int]] = {}
    for key, cells in re.findall(r'<tr data-key="([^"]+)">(.*?)</tr>', body):
        found[key] = {col: int(n) for col, n in re.findall(r'data-col="([a-z]+)">(\d+)<', cells)}
    return found


def expected_progress(found: list[dict], districts: list[str]) -> dict[str, dict[str, int]]:
    table = {}
    for d in [*districts, "total"]:
        rows = [h for h in found if h["district"] in (districts if d == "total" else [d])]
        table[d] = {
            "households": len(rows),
            "signed": sum(h["signed"] for h in rows),
            "selected": sum(h["selection_date"] is not None for h in rows),
            "moved": sum(h["handover_date"] is not None and h["handover_date"] <= TODAY for h in rows),
        }
    return table


async def test_stats_shows_the_signing_progress_once_published(
    client: TestClient, app_engine: AsyncEngine, clock: FakeClock, seeded: list[dict], login: Login
) -> None:
    page = await (await client.get("/stats")).text()
    assert "签约进度" not in page  # nothing before the county publishes it
    admin = await login("admin")
    await publish(admin, "nanhe", "progress")
    page = await (await client.get("/stats")).text()  # the switch clears the cache: shown at once
    assert "示例县南河棚户区改造项目签约进度" in page and "progress-chengguan" not in page
    assert progress_table(page, "nanhe") == expected_progress(seeded, ["nanhe", "beishan"])
    days = re.findall(
        r'<tr data-day="([\d-]+)">.*?data-col="signed">(\d+)<.*?data-col="cumulative">(\d+)<',
        page.split('id="progress-days-nanhe"')[1].split("</table>")[0],
    )
    project = [h for h in seeded if h["district"] in ("nanhe", "beishan") and h["signed"]]
    assert days[0][0] == SIGNING_START.isoformat() and days[-1][0] == TODAY.isoformat()
    assert len(days) == (TODAY - SIGNING_START).days + 1
    for day, signed, cumulative in days:
        assert int(signed) == sum(h["agreement_date"].isoformat() == day for h in project)
        assert int(cumulative) == sum(h["agreement_date"].isoformat() <= day for h in project)
    chart = page.split('id="progress-nanhe"')[1].split("</section>")[0]
    assert chart.count('class="fill"><title>') == len(days)  # one column a day
    assert not [name for name in NAMES if name in page] and "NH-" not in page  # aggregates only
