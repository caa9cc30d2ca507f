"""The routing rules page (/staff/routing, admins): category × district → department. A new case goes by the rule
for its district, else by the rule for every district (*), else to the dispatcher queue; staff-conduct complaints
always go to 纪检监察 and have no rules. Changes apply to the next case filed. Below the rules: each department's
企业微信 / 钉钉 group robot (bot/staff/robots_page.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.cases.errors import Forbidden, InvalidInput, NotFound
from bot.cases.routing import ANY_DISTRICT
from bot.cases.vocabulary import CATEGORY_LABELS, Category, DepartmentKind, Role
from bot.staff import robots_page
from bot.staff.context import Desk, Form, render, see_other, staff_form, staff_page
from bot.staff.queue import district_options

ROUTABLE = [c for c in Category if c != Category.STAFF_CONDUCT]
HANDLING_KINDS = (DepartmentKind.WORK_GROUP, DepartmentKind.OFFICE)
ANY_DISTRICT_LABEL = "全部片区（*）"
DONE = {"saved": "派单规则已保存，下一件新案件起生效。", "deleted": "派单规则已删除。", **robots_page.DONE}


def _admin(desk: Desk) -> None:
    if desk.viewer.role != Role.ADMIN:
        raise Forbidden("只有管理员可以修改派单规则。")


async def _page(
    request: web.Request,
    desk: Desk,
    *,
    error: str = "",
    values: Mapping[str, Any] | None = None,
    status: int = 200,
    robot_error: str = "",
) -> web.Response:
    service = desk.service
    rules = await service.routing_rules(desk.viewer)
    districts = [(ANY_DISTRICT, ANY_DISTRICT_LABEL), *district_options(service.district_names)]
    district_names = dict(districts)
    departments = [d for d in await service.departments() if d.kind in HANDLING_KINDS]
    context = {
        "rules": [
            {
                "id": r.id,
                "category": CATEGORY_LABELS.get(r.category, r.category),
                "district": district_names.get(r.district, r.district),
                "department": r.department_name,
            }
            for r in rules
        ],
        "categories": [(c.value, CATEGORY_LABELS[c]) for c in ROUTABLE],
        "districts": districts,
        "departments": departments,
        "error": error,
        "values": values or {},
        "done": DONE.get(request.query.get("done", ""), ""),
        "robots": await robots_page.robot_rows_for_page(request, await service.departments()),
        "robot_error": robot_error,
    }
    return render(request, "staff/routing.html", context, desk, status=status)


def _field(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value[:100] if isinstance(value, str) else ""


@staff_page
async def routing_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    _admin(desk)
    return await _page(request, desk)


@staff_form
async def save_rule(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    _admin(desk)
    values = {k: _field(form, k) for k in ("category", "district", "department")}
    service = desk.service
    try:
        if values["category"] not in {c.value for c in ROUTABLE}:
            raise InvalidInput("请选择诉求类别（工作人员作风投诉固定交纪检监察，不设规则）。")
        if values["district"] not in {ANY_DISTRICT} | {d for d, _ in district_options(service.district_names)}:
            raise InvalidInput("请选择片区。")
        allowed = {str(d.id): d.id for d in await service.departments() if d.kind in HANDLING_KINDS}
        if values["department"] not in allowed:
            raise InvalidInput("请选择承办单位。")
        await service.set_routing_rule(
            desk.viewer, values["category"], values["district"], allowed[values["department"]]
        )
    except InvalidInput as exc:
        return await _page(request, desk, error=str(exc), values=values, status=400)
    return see_other("/staff/routing?done=saved")


@staff_form
async def delete_rule(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    _admin(desk)
    raw = request.match_info["rule_id"]
    if not (raw.isascii() and raw.isdigit() and len(raw) < 12):
        raise NotFound("没有这条派单规则。")
    if not await desk.service.delete_routing_rule(desk.viewer, int(raw)):
        raise NotFound("没有这条派单规则（可能已被删除）。")
    return see_other("/staff/routing?done=deleted")


@staff_form
async def save_robot(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    _admin(desk)
    try:
        return await robots_page.save_robot(request, desk, form)
    except InvalidInput as exc:  # what was pasted is not echoed back: it may hold a key
        return await _page(request, desk, robot_error=str(exc), status=400)


@staff_form
async def remove_robot(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    _admin(desk)
    try:
        return await robots_page.remove_robot(request, desk, form)
    except InvalidInput as exc:
        return await _page(request, desk, robot_error=str(exc), status=400)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/routing", routing_page, name="staff_routing")
    app.router.add_post("/staff/routing", save_rule)
    app.router.add_post("/staff/routing/robots", save_robot)
    app.router.add_post("/staff/routing/robots/remove", remove_robot)
    app.router.add_post("/staff/routing/{rule_id}/delete", delete_rule)
