"""The queue page (/staff): the viewer's cases — the service scopes them — earliest deadline (so overdue) first,
with filters, search, pages, and the viewer's notices (reminders, 督办, digests). Exports use the same query."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from bot.cases.numbers import parse_case_number
from bot.cases.queries import COUNT_CAP, CaseFilter
from bot.cases.vocabulary import CATEGORY_LABELS, STAFF_STATUS_LABELS, UNKNOWN_DISTRICT, DepartmentKind, Role, Status
from bot.staff.context import Desk, Form, render, see_other, staff_form, staff_page

PAGE_SIZE = 30
MAX_SEARCH = 100
MAX_PAGE_NUMBER = 100_000
ALL = "all"  # the status filter's "every status"; empty means open cases only
UNKNOWN_DISTRICT_LABEL = "不清楚片区"
DONE = {
    "claim": "已签收，居民会收到受理通知。",
    "start": "已开始办理。",
    "reply": "答复已发送给居民。",
    "note": "内部备注已保存（居民看不到）。",
    "transfer": "已转办，案件已交给新的承办单位。",
    "dispatch": "已派单。",
    "return": "已退单，案件回到派单中心。",
    "extend": "已延期，居民会收到延期说明。",
    "resolve": "已办结，居民会收到办理结果并被邀请评价。",
    "merge": "已并单。",
    "reopen": "已重新办理，居民会收到通知。",
    "escalate": "督办意见已发出。",
    "claim_next": "已领取并签收下一件案件。",
    "nothing_next": "本单位暂时没有待签收的案件。",
}


def district_options(district_names: Mapping[str, str]) -> list[tuple[str, str]]:
    return [*district_names.items(), (UNKNOWN_DISTRICT, UNKNOWN_DISTRICT_LABEL)]


def district_label(district_names: Mapping[str, str], district: str) -> str:
    if district == UNKNOWN_DISTRICT:
        return UNKNOWN_DISTRICT_LABEL
    return district_names.get(district, district)


@dataclass(frozen=True)
class QueueQuery:
    """The queue's filters as they appear in the URL; anything unknown is ignored, never an error."""

    status: str = ""
    category: str = ""
    district: str = ""
    department: int | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""
    page: int = 1

    @classmethod
    def parse(cls, query: Mapping[str, str], district_ids: set[str]) -> QueueQuery:
        status = query.get("status", "")
        category = query.get("category", "")
        district = query.get("district", "")
        department = query.get("department", "")
        page = query.get("page", "1")
        return cls(
            status=status if status == ALL or status in set(Status) else "",
            category=category if category in set(CATEGORY_LABELS) else "",
            district=district if district in district_ids | {UNKNOWN_DISTRICT} else "",
            department=int(department)
            if department.isascii() and department.isdigit() and len(department) < 12
            else None,
            overdue=query.get("overdue") == "1",
            mine=query.get("mine") == "1",
            q=" ".join(query.get("q", "").split())[:MAX_SEARCH],
            page=min(int(page), MAX_PAGE_NUMBER)
            if page.isascii() and page.isdigit() and 0 < len(page) < 7 and int(page) > 0
            else 1,
        )

    def case_filter(self) -> CaseFilter:
        return CaseFilter(
            statuses=(self.status,) if self.status not in ("", ALL) else (),
            open_only=self.status == "",
            category=self.category or None,
            district=self.district or None,
            department_id=self.department,
            overdue=self.overdue,
            assigned_to_me=self.mine,
            search=self.q,
        )

    def params(self, **changes: Any) -> str:
        """The query string of this query with `changes` (defaults left out), for links."""
        changed = replace(self, **changes)
        pairs = []
        for f in fields(self):
            value = getattr(changed, f.name)
            if value == f.default:
                continue
            pairs.append((f.name, "1" if value is True else str(value)))
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return replace(self, page=1) != QueueQuery()


def count_cap(page: int) -> int:
    """The pager counts at most COUNT_CAP cases (CaseCount), or as many as the requested page reaches: a count
    above the cap still proves that page and the next exist."""
    return max(COUNT_CAP, page * PAGE_SIZE)


def department_filter_allowed(desk: Desk) -> bool:
    """Department staff see only their own department: a department filter means nothing to them."""
    return desk.viewer.role != Role.DEPARTMENT_STAFF


@staff_page
async def queue_page(request: web.Request, desk: Desk) -> web.StreamResponse:
    service = desk.service
    query = QueueQuery.parse(request.query, set(service.district_names))
    filters = query.case_filter()
    total = await service.count_cases(desk.viewer, filters, cap=count_cap(query.page))
    # counted exactly: the last page is known (and a page beyond it shows the last); counted up to the cap: there
    # are more cases than the requested page reaches, so it exists and so does the next one
    pages = max(1, math.ceil(total.n / PAGE_SIZE)) if total.exact else None
    page = min(query.page, pages) if pages is not None else query.page
    items = await service.list_cases(desk.viewer, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    departments = await service.departments()
    done = DONE.get(request.query.get("done", ""), "")
    done_case = parse_case_number(request.query.get("case", "")[:30]) or ""
    context = {
        "query": replace(query, page=page),
        "items": items,
        "total": total,
        "pages": pages,
        "page": page,
        "page_size": PAGE_SIZE,
        "notices": await service.notices(desk.viewer, limit=8),
        "statuses": [(s.value, STAFF_STATUS_LABELS[s]) for s in Status],
        "categories": [(c.value, label) for c, label in CATEGORY_LABELS.items()],
        "districts": district_options(service.district_names),
        "district_names": service.district_names,
        "district_label": district_label,
        "departments": [d for d in departments if d.kind != DepartmentKind.DISPATCH or desk.is_overseer],
        "department_filter": department_filter_allowed(desk),
        "department_name": {d.id: d.name for d in departments}.get(desk.viewer.department_id or -1, ""),
        "can_claim_next": desk.viewer.role == Role.DEPARTMENT_STAFF and desk.viewer.department_id is not None,
        "done": done,
        "done_case": done_case,
    }
    return render(request, "staff/queue.html", context, desk)


@staff_form
async def claim_next(request: web.Request, desk: Desk, form: Form) -> web.StreamResponse:
    """领取下一件: the most urgent unclaimed case of the viewer's department, signed for at once."""
    detail = await desk.service.claim_next(desk.viewer)
    if detail is None:
        return see_other("/staff?done=nothing_next")
    return see_other(f"/staff/cases/{detail.number}?done=claim_next")


def setup(app: web.Application) -> None:
    app.router.add_get("/staff", queue_page, name="staff_queue")
    app.router.add_post("/staff/claim-next", claim_next)
