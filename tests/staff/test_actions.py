"""Every action of the case page through its web form: the case changes, the history records it, and for a public
change the resident's web chat receives the message (the outbox worker delivers it; the chat page polls
/api/chat/updates). Refusals come back as the case page with the reason and the status the error maps to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp.test_utils import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import keys
from bot.cases.models import StaffNotice
from bot.cases.vocabulary import CaseType, Category
from tests.cases.conftest import People
from tests.staff.agent import StaffAgent
from tests.support.cases import case_row, event_kinds, outbox_rows
from tests.support.clock import FakeClock

Login = Callable[[str], Awaitable[StaffAgent]]
notices = StaffNotice.__table__


async def delivered(client: TestClient, session: str) -> list[str]:
    """Run the outbox worker once; every text the resident's web chat has received so far."""
    await client.app[keys.OUTBOX].tick()
    response = await client.get("/api/chat/updates", params={"session": session})
    assert response.status == 200
    return [r["text"] for r in (await response.json())["replies"]]


def redirected_to(response, path: str) -> bool:  # noqa: ANN001
    return response.status == 303 and response.headers["Location"] == path


async def test_claim_reply_note_extend_resolve_reopen(
    client: TestClient,
    login: Login,
    file,
    people: People,  # noqa: ANN001
    app_engine: AsyncEngine,
) -> None:
    case = await file(session="resident-1")
    comp1 = await login("comp1")

    response = await comp1.act(case.number, "claim")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=claim")
    page = await comp1.page(response.headers["Location"])
    assert "已签收，居民会收到受理通知" in page and "13800138000" in page  # the assignee sees the whole number
    row = await case_row(app_engine, case.number)
    assert row["status"] == "accepted" and row["assignee_id"] == people.comp1.id
    [accepted] = await delivered(client, "resident-1")
    assert case.number in accepted and "县房屋征收补偿办公室受理" in accepted

    assert redirected_to(await comp1.act(case.number, "start"), f"/staff/cases/{case.number}?done=start")
    assert (await case_row(app_engine, case.number))["status"] == "in_progress"

    response = await comp1.act(case.number, "reply", text="您好，已安排评估公司本周五上门复核面积。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=reply")
    assert (await case_row(app_engine, case.number))["status"] == "replied"
    texts = await delivered(client, "resident-1")
    assert len(texts) == 2 and "【工作人员答复】" in texts[1] and "本周五上门复核面积" in texts[1]

    before = len(await outbox_rows(app_engine))
    response = await comp1.act(case.number, "note", text="已电话联系评估公司，约定周五上午。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=note")
    assert len(await outbox_rows(app_engine)) == before  # internal: nothing is sent
    page = await comp1.page(f"/staff/cases/{case.number}")
    assert 'class="event note"' in page and "已电话联系评估公司" in page
    assert 'class="event public"' in page

    response = await comp1.act(case.number, "extend", days=10, reason="需要等待复核评估报告。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=extend")
    assert (await case_row(app_engine, case.number))["extended_days"] == 10
    assert "延长 10 天" in (await delivered(client, "resident-1"))[-1]

    response = await comp1.act(case.number, "resolve", text="复核后补记阁楼面积12平方米，补偿协议已更新。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=resolve")
    assert (await case_row(app_engine, case.number))["status"] == "closed"
    assert "补记阁楼面积12平方米" in (await delivered(client, "resident-1"))[-1]
    closed_page = await comp1.page(f"/staff/cases/{case.number}")
    assert 'id="act-note"' in closed_page and 'id="act-reopen"' not in closed_page  # only overseers reopen

    supervisor = await login("dudao")
    response = await supervisor.act(case.number, "reopen", reason="居民对面积复核结果仍有异议。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=reopen")
    assert (await case_row(app_engine, case.number))["status"] == "in_progress"
    assert "已重新交办" in (await delivered(client, "resident-1"))[-1]
    kinds = await event_kinds(app_engine, case.id)
    assert [k for k in kinds if k != "viewed"] == [
        "created",
        "dispatched",
        "claimed",
        "started",
        "replied",
        "noted",
        "extended",
        "resolved",
        "reopened",
    ]
    assert kinds.count("viewed") >= 8  # every opening of the page is in the history


async def test_merge_tells_the_resident(client: TestClient, login: Login, file, app_engine: AsyncEngine) -> None:  # noqa: ANN001
    first = await file(session="resident-a")
    second = await file(session="resident-b", description="同一栋楼的面积也少算了")
    comp1 = await login("comp1")
    await comp1.act(second.number, "claim")
    response = await comp1.act(second.number, "merge", into=first.number.lower())
    assert redirected_to(response, f"/staff/cases/{second.number}?done=merge")
    row = await case_row(app_engine, second.number)
    assert row["status"] == "merged" and row["merged_into_id"] == first.id
    assert "合并办理" in (await delivered(client, "resident-b"))[-1]
    page = await comp1.page(f"/staff/cases/{second.number}")
    assert f'href="/staff/cases/{first.number}"' in page and f"并入案件 {first.number}" in page


async def test_dispatch_transfer_and_return(
    login: Login,
    file,
    depts: dict[str, int],  # noqa: ANN001
    app_engine: AsyncEngine,
) -> None:
    inquiry = await file(
        type=CaseType.INQUIRY, category=Category.INQUIRY, district="unknown", description="临时安置费从哪天开始算？"
    )
    assert (await case_row(app_engine, inquiry.number))["status"] == "new"
    dispatcher = await login("paidan")
    response = await dispatcher.act(inquiry.number, "dispatch", department=depts["wg_dongguan"], reason="请东关组答复")
    assert redirected_to(response, f"/staff/cases/{inquiry.number}?done=dispatch")
    row = await case_row(app_engine, inquiry.number)
    assert row["status"] == "dispatched" and row["department_id"] == depts["wg_dongguan"]

    other = await file(category=Category.COMPENSATION)
    response = await dispatcher.act(other.number, "transfer", department=depts["wg_xijie"], reason="属西街片区")
    assert redirected_to(response, f"/staff/cases/{other.number}?done=transfer")
    assert (await case_row(app_engine, other.number))["department_id"] == depts["wg_xijie"]

    dongguan = await login("dongguan")
    response = await dongguan.act(inquiry.number, "return", reason="属于补偿政策咨询，应由补偿办答复。")
    assert redirected_to(response, f"/staff?done=return&case={inquiry.number}")  # out of their scope now
    queue = await dongguan.page(response.headers["Location"])
    assert "已退单，案件回到派单中心" in queue and f'data-number="{inquiry.number}"' not in queue
    row = await case_row(app_engine, inquiry.number)
    assert row["status"] == "returned" and row["department_id"] == depts["dispatch"]
    assert (await dongguan.get(f"/staff/cases/{inquiry.number}")).status == 404


async def test_escalation_reaches_the_department_queue(login: Login, file, app_engine: AsyncEngine) -> None:  # noqa: ANN001
    case = await file()
    supervisor = await login("dudao")
    response = await supervisor.act(case.number, "escalate", text="请今天内签收并联系居民。")
    assert redirected_to(response, f"/staff/cases/{case.number}?done=escalate")
    async with app_engine.connect() as conn:
        assert (await conn.execute(select(notices.c.kind, notices.c.case_id))).all() == [("escalation", case.id)]
    queue = await (await login("comp2")).page("/staff")
    assert "工作提醒" in queue and f"督办：案件 {case.number}——请今天内签收并联系居民。" in queue
    assert "工作提醒" not in await (await login("dongguan")).page("/staff")


async def test_claim_next_takes_the_most_urgent(
    login: Login,
    file,
    people: People,  # noqa: ANN001
    app_engine: AsyncEngine,
    clock: FakeClock,
) -> None:
    await file()
    clock.advance(hours=1)
    urgent = await file(category=Category.PAYMENT_DELAY)
    async with app_engine.begin() as conn:
        from bot.cases.models import Case

        cases = Case.__table__
        await conn.execute(cases.update().where(cases.c.id == urgent.id).values(priority=2))
    comp1 = await login("comp1")
    response = await comp1.post("/staff/claim-next")
    assert redirected_to(response, f"/staff/cases/{urgent.number}?done=claim_next")
    assert (await case_row(app_engine, urgent.number))["assignee_id"] == people.comp1.id
    dongguan = await login("dongguan")
    assert redirected_to(await dongguan.post("/staff/claim-next"), "/staff?done=nothing_next")
    assert "本单位暂时没有待签收的案件" in await dongguan.page("/staff?done=nothing_next")


async def test_refusals_show_the_reason_and_keep_what_was_typed(login: Login, file, app_engine: AsyncEngine) -> None:  # noqa: ANN001
    case = await file()
    comp1, comp2 = await login("comp1"), await login("comp2")
    await comp1.act(case.number, "claim")

    response = await comp2.act(case.number, "claim")  # someone else has it
    assert response.status == 409 and "这个案件已由comp1签收" in await response.text()
    response = await comp2.act(case.number, "reply", text="我来答复<b>一下</b>")  # not the assignee
    text = await response.text()
    assert response.status == 403 and "只有承办人可以答复居民" in text
    response = await comp1.act(case.number, "reply", text="   ")
    assert response.status == 400 and "请填写答复内容" in await response.text()
    response = await comp1.act(case.number, "extend", days=31, reason="太复杂了，需要很久")
    text = await response.text()
    assert response.status == 400 and "延期天数应为 1 到 30 天" in text and "太复杂了，需要很久" in text
    assert "延期天数（整数）" in await (await comp1.act(case.number, "extend", days="三", reason="理由充分")).text()
    response = await comp1.act(case.number, "merge", into="不是编号")
    assert response.status == 400 and "请填写要合并到的案件编号" in await response.text()
    response = await comp1.act(case.number, "merge", into="AJ-2026-999999")
    assert response.status == 404 and "没有找到要合并到的案件" in await response.text()
    response = await comp1.act(case.number, "transfer", department="1")  # department staff do not transfer
    assert response.status == 403
    response = await comp1.act(case.number, "fly")
    assert response.status == 404
    assert (await case_row(app_engine, case.number))["status"] == "accepted"
