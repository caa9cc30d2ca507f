"""Writing a notice to a district on the dashboard: bad input gets a clear Chinese message and nothing is queued;
who may send where; the preview's key is needed to send; a work group sees only its own district's notices."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot import keys
from bot.district_notices.models import DistrictNotice, DistrictNoticeRecipient
from bot.outbox.models import OutboxMessage
from tests.staff.agent import StaffAgent
from tests.support.bindings import bind, import_households, resident_id
from tests.support.clock import FakeClock
from tests.support.transcript import ChatSession

Login = Callable[[str], Awaitable[StaffAgent]]
GOOD = {
    "kind": "results",
    "title": "东关片区评估结果公示",
    "body": "分户评估结果已在工作组公示栏公示七日。",
    "district": "dongguan",
}
KEY = "k" * 32


async def rows(client: TestClient) -> tuple[int, int, int]:
    """Notices, recipients and outbox rows in the database."""
    async with client.app[keys.ENGINE].connect() as conn:
        return tuple(
            [
                await conn.scalar(select(func.count()).select_from(t.__table__))
                for t in (DistrictNotice, DistrictNoticeRecipient, OutboxMessage)
            ]
        )


async def a_bound_resident(client: TestClient, clock: FakeClock) -> None:
    engine = client.app[keys.ENGINE]
    await import_households(engine, clock(), n=4)
    chat = ChatSession(client, session="web-bound-000001")
    await chat.say("你好")
    await bind(engine, await resident_id(engine, "web", chat.session), "T-000000", "网页用户", clock())


async def problems_of(response) -> list[str]:  # noqa: ANN001
    page = await response.text()
    found = re.search(r'<div class="flash bad" role="alert" id="problems">(.*?)</div>', page, re.S)
    assert found, page[-2000:]
    return re.findall(r"<li>(.*?)</li>", found.group(1))


async def test_bad_input_is_refused_in_chinese_and_nothing_is_queued(
    client: TestClient, login: Login, clock: FakeClock
) -> None:
    await a_bound_resident(client, clock)
    before = await rows(client)
    staff = await login("dongguan")
    await staff.page("/staff/district-notices/new")
    cases = [
        ({"title": ""}, ["请填写标题。"]),
        ({"title": "　\u200b\x07 "}, ["请填写标题。"]),  # spaces and invisible characters are no title
        ({"title": "标" * 41}, ["标题最多 40 个字，现在是 41 个字。"]),
        (
            {"body": "字" * 501},
            ["正文最多 500 个字，现在是 501 个字：微信一条消息放不下更多，请精简，或分成两条通知发送。"],
        ),
        ({"body": ""}, ["请填写正文。"]),
        ({"district": "nowhere"}, ["没有这个片区：“nowhere”。请从列表中选择。"]),
        ({"district": ""}, ["请选择发给哪个片区。"]),
        ({"kind": "advert"}, ["请选择通知类别。"]),
        ({"district": "xijie"}, ["您只能给本片区的居民发通知。"]),  # another work group's district
        ({"district": "all"}, ["您只能给本片区的居民发通知。"]),
        ({"title": "", "body": ""}, ["请填写标题。", "请填写正文。"]),
    ]
    for edits, expected in cases:
        for path, extra in (("/staff/district-notices/preview", {}), ("/staff/district-notices", {"key": KEY})):
            response = await staff.post(path, {**GOOD, **edits, **extra})
            assert response.status == 400, (edits, path)
            assert await problems_of(response) == expected, (edits, path)
    # what was typed stays in the form, to be corrected
    response = await staff.post("/staff/district-notices/preview", {**GOOD, "body": "字" * 501})
    assert "字" * 501 in await response.text()
    # straight to 发送 without the preview's key
    response = await staff.post("/staff/district-notices", GOOD)
    assert await problems_of(response) == ["请先点“预览”，核对后再发送。"]
    response = await staff.post("/staff/district-notices", {**GOOD, "key": "短"})
    assert response.status == 400
    # no CSRF token: refused before anything is looked at
    response = await staff.post("/staff/district-notices", {**GOOD, "key": KEY}, csrf=False)
    assert response.status == 403
    assert await rows(client) == before


async def test_who_may_send_and_who_sees_the_report(client: TestClient, login: Login, clock: FakeClock) -> None:
    await a_bound_resident(client, clock)
    for username in ("comp1", "paidan", "jijian"):  # a county office, the dispatcher desk, 纪检监察
        agent = await login(username)
        page = await agent.page("/staff/district-notices", status=403)
        assert "只有管理员、督导和片区工作组的工作人员可以给居民发片区通知。" in page
        assert 'href="/staff/district-notices"' not in page or username != "paidan"
        await agent.page("/staff/district-notices/new", status=403)
        assert (await agent.post("/staff/district-notices", {**GOOD, "key": KEY})).status == 403
    assert await rows(client) == (0, 0, 0)

    admin = await login("admin")
    sent = {}
    for district in ("dongguan", "xijie"):
        response = await admin.post(
            "/staff/district-notices", {**GOOD, "district": district, "key": district * 4 + KEY}
        )
        assert response.status == 303
        sent[district] = re.search(r"/(\d+)\?", response.headers["Location"]).group(1)
    notices, recipients, queued = await rows(client)
    assert (notices, recipients) == (2, 1)  # the only bound resident lives in 东关片区
    assert queued >= 1

    dongguan = await login("dongguan")
    listing = await dongguan.page("/staff/district-notices")
    assert f'data-notice="{sent["dongguan"]}"' in listing and f'data-notice="{sent["xijie"]}"' not in listing
    await dongguan.page(f"/staff/district-notices/{sent['dongguan']}")
    await dongguan.page(f"/staff/district-notices/{sent['xijie']}", status=404)
    await dongguan.page("/staff/district-notices/99999", status=404)
    await dongguan.page("/staff/district-notices/abc", status=404)
    supervisor = await login("dudao")
    listing = await supervisor.page("/staff/district-notices")
    assert listing.count("data-notice=") == 2 and "admin" in listing


async def test_the_notice_is_plain_text_as_written(client: TestClient, login: Login, clock: FakeClock) -> None:
    await a_bound_resident(client, clock)
    admin = await login("admin")
    fields = {**GOOD, "title": "<b>公示</b>\x07", "body": "第一行\r\n\r\n\r\n\r\n第二行\x00"}
    page = await (await admin.post("/staff/district-notices/preview", fields)).text()
    assert "&lt;b&gt;公示&lt;/b&gt;" in page and "<b>公示</b>" not in page
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    # 返回修改: the form again, with what was written
    edit = await admin.post("/staff/district-notices/new", fields)
    assert edit.status == 200 and "第一行" in await edit.text() and "<b>" not in await edit.text()
    assert (await admin.post("/staff/district-notices", {**fields, "key": key})).status == 303
    await client.app[keys.OUTBOX].tick()
    response = await client.get("/api/chat/updates", params={"session": "web-bound-000001"})
    (notice,) = (await response.json())["replies"]
    assert notice["text"].startswith("【评估结果公示】<b>公示</b>\n\n第一行\n\n第二行\n\n—— ")
    assert "回复“关闭通知”" in notice["text"]


async def test_two_submits_at_once_send_one_notice(client: TestClient, login: Login, clock: FakeClock) -> None:
    """A double click sends the form twice at the same moment: one notice, one message per resident."""
    await a_bound_resident(client, clock)
    admin = await login("admin")
    page = await (await admin.post("/staff/district-notices/preview", GOOD)).text()
    key = re.search(r'name="key" value="([^"]+)"', page).group(1)
    first, second = await asyncio.gather(
        admin.post("/staff/district-notices", {**GOOD, "key": key}),
        admin.post("/staff/district-notices", {**GOOD, "key": key}),
    )
    assert first.status == second.status == 303
    locations = sorted([first.headers["Location"], second.headers["Location"]])
    assert [loc.rsplit("=", 1)[1] for loc in locations] == ["again", "sent"]
    assert len({loc.split("?")[0] for loc in locations}) == 1
    assert await rows(client) == (1, 1, 1)
