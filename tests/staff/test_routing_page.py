"""The routing rules page: admins list, add, change and delete rules, and the next case filed follows them; nobody
else may see or change them; impossible rules are refused with a reason."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.vocabulary import Category
from tests.staff.agent import StaffAgent
from tests.support.cases import case_row

Login = Callable[[str], Awaitable[StaffAgent]]


async def test_rule_edits_apply_to_the_next_case(
    login: Login,
    file,
    depts: dict[str, int],  # noqa: ANN001
    app_engine: AsyncEngine,
) -> None:
    admin = await login("admin")
    page = await admin.page("/staff/routing")
    assert "补偿金额、评估有异议" in page and "全部片区（*）" in page and "县房屋征收补偿办公室" in page
    assert '<option value="staff_conduct"' not in page  # staff conduct always goes to 纪检监察

    before = await file(category=Category.COMPENSATION, district="nanhe")
    assert (await case_row(app_engine, before.number))["department_id"] == depts["comp_office"]
    response = await admin.post(
        "/staff/routing", {"category": "compensation", "district": "nanhe", "department": str(depts["wg_nanhe"])}
    )
    assert response.status == 303 and response.headers["Location"] == "/staff/routing?done=saved"
    page = await admin.page("/staff/routing?done=saved")
    assert "派单规则已保存" in page and "南河片区征收工作组" in page
    after = await file(category=Category.COMPENSATION, district="nanhe")
    assert (await case_row(app_engine, after.number))["department_id"] == depts["wg_nanhe"]
    assert (await case_row(app_engine, before.number))["department_id"] == depts["comp_office"]  # unchanged
    other_district = await file(category=Category.COMPENSATION, district="xijie")
    assert (await case_row(app_engine, other_district.number))["department_id"] == depts["comp_office"]

    # change it: the same category and district again
    await admin.post(
        "/staff/routing", {"category": "compensation", "district": "nanhe", "department": str(depts["housing"])}
    )
    changed = await file(category=Category.COMPENSATION, district="nanhe")
    assert (await case_row(app_engine, changed.number))["department_id"] == depts["housing"]

    # delete it: back to the rule for every district
    page = await admin.page("/staff/routing")
    rule_id = page.split("县住建局安置房建设管理科</td>")[0].rsplit('data-rule="', 1)[1].split('"')[0]
    response = await admin.post(f"/staff/routing/{rule_id}/delete")
    assert response.status == 303 and response.headers["Location"] == "/staff/routing?done=deleted"
    back = await file(category=Category.COMPENSATION, district="nanhe")
    assert (await case_row(app_engine, back.number))["department_id"] == depts["comp_office"]
    assert (await admin.post(f"/staff/routing/{rule_id}/delete")).status == 404

    # delete the catch-all too: the dispatcher queue
    page = await admin.page("/staff/routing")
    for line in page.split('<tr data-rule="')[1:]:
        if "补偿金额、评估有异议" in line:
            rule = line.split('"')[0]
            await admin.post(f"/staff/routing/{rule}/delete")
    queued = await file(category=Category.COMPENSATION, district="nanhe")
    row = await case_row(app_engine, queued.number)
    assert row["department_id"] == depts["dispatch"] and row["status"] == "new"


async def test_impossible_rules_are_refused(login: Login, depts: dict[str, int]) -> None:
    admin = await login("admin")
    bad = [
        ({"category": "staff_conduct", "district": "*", "department": str(depts["wg_dongguan"])}, "工作人员作风投诉"),
        ({"category": "compensation", "district": "mars", "department": str(depts["comp_office"])}, "请选择片区"),
        ({"category": "compensation", "district": "*", "department": str(depts["discipline"])}, "请选择承办单位"),
        ({"category": "compensation", "district": "*", "department": str(depts["dispatch"])}, "请选择承办单位"),
        ({"category": "compensation", "district": "*", "department": "999999"}, "请选择承办单位"),
        ({"category": "compensation", "district": "*", "department": "x"}, "请选择承办单位"),
    ]
    for form, message in bad:
        response = await admin.post("/staff/routing", form)
        assert response.status == 400 and message in await response.text(), form
    assert (await admin.post("/staff/routing/abc/delete")).status == 404


async def test_only_admins_see_or_edit_rules(login: Login, depts: dict[str, int]) -> None:
    for username in ("dudao", "paidan", "comp1"):
        agent = await login(username)
        assert "派单规则" not in (await agent.page("/staff")).split("</nav>")[0]
        response = await agent.get("/staff/routing")
        assert response.status == 403 and "只有管理员可以修改派单规则" in await response.text()
        response = await agent.post(
            "/staff/routing", {"category": "compensation", "district": "*", "department": str(depts["housing"])}
        )
        assert response.status == 403
        assert (await agent.post("/staff/routing/1/delete")).status == 403
