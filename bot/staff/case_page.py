"""The case page (/staff/cases/AJ-2026-000123): details, the timeline — public replies, internal notes and system
events told apart — and the forms of the actions the service says this viewer may take now (`CaseDetail.actions`).
A case outside the viewer's scope is a 404, exactly like a case that does not exist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from bot import keys
from bot.cases.events import EventKind
from bot.cases.queries import CaseDetail, CaseEventView
from bot.cases.service import DepartmentView
from bot.cases.transitions import ACTION_LABELS, Action
from bot.cases.vocabulary import (
    RATING_LABELS,
    SERVICE_LABELS,
    SITUATION_LABELS,
    Category,
    DepartmentKind,
    Rating,
    Service,
    Situation,
)
from bot.cases.workdays import format_due
from bot.households.staff_view import household_of_case
from bot.staff.attachment_files import case_attachments
from bot.staff.context import Desk, render, staff_page
from bot.staff.queue import DONE, district_label

CHANNEL_LABELS = {"web": "网页聊天", "telegram": "Telegram", "wechat": "微信公众号", "console": "终端"}
# the order the forms appear in, by what they are for
FORM_ORDER = (
    Action.CLAIM,
    Action.START,
    Action.REPLY,
    Action.NOTE,
    Action.DISPATCH,
    Action.TRANSFER,
    Action.RETURN,
    Action.EXTEND,
    Action.RESOLVE,
    Action.MERGE,
    Action.REOPEN,
    Action.ESCALATE,
)


@dataclass(frozen=True)
class TimelineEntry:
    kind: str
    label: str
    css: str  # public | note | internal | system | resident
    badge: str
    actor: str
    at: datetime
    text: str
    extra: str


def _parse_due(value: object) -> str:
    if not isinstance(value, str):
        return ""
    try:
        return format_due(datetime.fromisoformat(value))
    except ValueError:
        return ""


def _extra(event: CaseEventView, departments: Mapping[int, str], channel: str) -> str:
    """The event's data as one line people can read."""
    data = event.data
    kind = event.kind
    if kind in (EventKind.DISPATCHED, EventKind.TRANSFERRED):
        target = departments.get(data.get("department_id"), "")  # type: ignore[arg-type]
        source = departments.get(data.get("from_department_id"), "")  # type: ignore[arg-type]
        how = "按派单规则自动派单" if data.get("by") == "routing" else ""
        parts = [
            p
            for p in (
                f"从 {source}" if source and kind == EventKind.TRANSFERRED else "",
                f"交给 {target}" if target else "",
                how,
            )
            if p
        ]
        return "，".join(parts)
    if kind == EventKind.RETURNED:
        source = departments.get(data.get("from_department_id"), "")  # type: ignore[arg-type]
        return f"由 {source} 退回派单中心" if source else "退回派单中心"
    if kind == EventKind.EXTENDED:
        return f"延期 {data.get('days', '?')} 天，新的办结期限：{_parse_due(data.get('finish_due'))}"
    if kind == EventKind.MERGED:
        if data.get("into_number"):
            return f"并入案件 {data['into_number']}"
        if data.get("merged_number"):
            return f"案件 {data['merged_number']} 并入本案"
    if kind == EventKind.RATED:
        try:
            return f"居民评价：{RATING_LABELS[Rating(str(data.get('rating')))]}"
        except ValueError:
            return ""
    if kind == EventKind.REOPENED and data.get("finish_due"):
        return f"新的办结期限：{_parse_due(data.get('finish_due'))}"
    if kind == EventKind.CREATED:
        return f"来源：{CHANNEL_LABELS.get(str(data.get('channel') or channel), channel)}"
    if kind == EventKind.VIEWED and data.get("attachment"):
        return "打开了语音材料" if data.get("kind") == "voice" else "打开了图片材料"
    if kind == EventKind.RESOLVED and data.get("via_case_id"):
        return "随主案件一并办结"
    return ""


def timeline(detail: CaseDetail, departments: Mapping[int, str]) -> tuple[list[TimelineEntry], list[TimelineEntry]]:
    """(the history without page views, the page views) — views are the audit trail, kept apart to stay readable."""
    entries: list[TimelineEntry] = []
    views: list[TimelineEntry] = []
    for event in detail.events:
        if event.public:
            css, badge = "public", "居民可见"
        elif event.kind == EventKind.NOTED:
            css, badge = "note", "内部备注"
        elif event.actor_kind == "system":
            css, badge = "system", "系统"
        elif event.actor_kind == "resident":
            css, badge = "resident", "居民"
        else:
            css, badge = "internal", "仅工作人员可见"
        entry = TimelineEntry(
            event.kind,
            event.kind_label,
            css,
            badge,
            event.actor_name,
            event.created_at,
            event.text,
            _extra(event, departments, detail.channel),
        )
        (views if event.kind == EventKind.VIEWED else entries).append(entry)
    return entries, views


def detail_rows(detail: CaseDetail) -> list[tuple[str, str]]:
    """What the form collected beyond the common fields (help requests: for whom, situation, services …)."""
    d = detail.details
    rows: list[tuple[str, str]] = []
    if d.get("name"):
        rows.append(("被帮扶人", str(d["name"])))
    if d.get("for_whom"):  # the relation is the applicant's: 子女 applies for a parent
        relation = str(d.get("relation") or "他人")
        rows.append(("申请人", "本人" if d["for_whom"] == "self" else f"{relation}（代为申请）"))
    if d.get("situation"):
        try:
            rows.append(("困难情况", SITUATION_LABELS[Situation(d["situation"])]))
        except ValueError:
            rows.append(("困难情况", str(d["situation"])))
    if d.get("services"):
        labels = []
        for s in d["services"]:
            try:
                labels.append(SERVICE_LABELS[Service(s)])
            except ValueError:
                labels.append(str(s))
        rows.append(("需要的服务", "、".join(labels)))
    if d.get("preferred_days"):
        rows.append(("方便的时间", str(d["preferred_days"])))
    if d.get("contact"):
        rows.append(("联系方式", str(d["contact"])))
    return rows  # photos: bot/staff/attachment_files.py, shown in their own section


def target_departments(detail: CaseDetail, departments: list[DepartmentView], action: Action) -> list[DepartmentView]:
    """Where this case may be sent: never the dispatcher queue, never the department a staff-conduct complaint names;
    staff-conduct complaints only to 纪检监察, everything else never there."""
    conduct = detail.category == Category.STAFF_CONDUCT
    found = []
    for d in departments:
        if d.kind == DepartmentKind.DISPATCH or d.name == detail.named_department_name:
            continue
        if conduct != (d.kind == DepartmentKind.DISCIPLINE):
            continue
        if action is Action.TRANSFER and d.id == detail.department_id:
            continue
        found.append(d)
    return found


async def render_case(
    request: web.Request,
    desk: Desk,
    detail: CaseDetail,
    *,
    error: str = "",
    failed: str = "",
    values: Mapping[str, Any] | None = None,
    done: str = "",
    status: int = 200,
) -> web.Response:
    service = desk.service
    departments = await service.departments(include_inactive=True)
    names = {d.id: d.name for d in departments}
    active = await service.departments()
    entries, views = timeline(detail, names)
    household = None
    if not detail.anonymous:  # an anonymous resident is not named by their household either
        async with request.app[keys.ENGINE].connect() as conn:
            household = await household_of_case(conn, desk.viewer, detail.id)
    actions = [a for a in FORM_ORDER if a in detail.actions]
    extension_left = max(service.policy.max_extension_days - detail.extended_days, 0)
    context = {
        "case": detail,
        "entries": entries,
        "views": views,
        "actions": actions,
        "action_labels": ACTION_LABELS,
        "district": district_label(service.district_names, detail.district),
        "channel": CHANNEL_LABELS.get(detail.channel, detail.channel),
        "rating": RATING_LABELS[Rating(str(detail.rating))] if detail.rating in (1, 2, 3) else "",
        "detail_rows": detail_rows(detail),
        "household": household,  # the resident's household in the ledger, when bound and in the viewer's scope
        "attachments": await case_attachments(request.app[keys.ENGINE], detail.number, detail.details),
        "transfer_targets": target_departments(detail, active, Action.TRANSFER),
        "dispatch_targets": target_departments(detail, active, Action.DISPATCH),
        "extension_left": extension_left,
        "max_extension": service.policy.max_extension_days,
        "error": error,
        "failed": failed,
        "values": values or {},
        "done": done,
    }
    return render(request, "staff/case.html", context, desk, status=status)


@staff_page
async def case_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    detail = await desk.service.get_case(desk.viewer, request.match_info["number"])
    return await render_case(request, desk, detail, done=DONE.get(request.query.get("done", ""), ""))


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/cases/{number}", case_page, name="staff_case")
