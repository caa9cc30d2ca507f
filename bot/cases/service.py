"""CaseService: the staff-facing API over cases — what the dashboard (/staff), exports and /stats build on.

Every method:
- takes `viewer`, the StaffUser acting (load it per request with `bot.cases.staff.load_viewer`);
- runs in its own transaction, with the clock injected at construction;
- refers to a case by `ref`: its id (int) or its number ("AJ-2026-000123");
- returns the case page after an action, or None when the action moved the case out of the viewer's scope
  (退单, 转办 by department staff);
- raises domain errors (bot.cases.errors), never HTTP ones — map them at the edge:
  NotFound → 404 (also for a case outside the viewer's scope: it must look like no case at all),
  TransitionNotAllowed / Forbidden → 403, Conflict → 409, InvalidInput → 400; `str(exc)` is a Chinese sentence.

Scope: supervisors and admins see every case; dispatchers every case but 纪检监察's; department staff their own
department's; nobody but overseers sees a staff-conduct complaint about their own department.
Audit: opening a case page (`get_case`) and every action append an event to the case's history; lists do not
(they show masked phone numbers only). Public events (签收, 答复, 延期, 办结, 并单, 重新办理) are sent to the resident
through the outbox in the same transaction.

Typical dashboard calls:
    items = await service.list_cases(viewer, CaseFilter(open_only=True), limit=50)   # overdue first
    total = await service.count_cases(viewer, CaseFilter(open_only=True))          # .n, exact up to 1,000
    case  = await service.get_case(viewer, "AJ-2026-000123")                       # case.actions → buttons
    case  = await service.claim(viewer, case.id)                                    # Conflict if taken
    case  = await service.reply(viewer, case.id, "您好，……")                         # public, to the resident
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases import handling, queries, routing
from bot.cases.actors import StaffUser
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.errors import Conflict, Forbidden, InvalidInput, NotFound
from bot.cases.events import EventKind, append_event
from bot.cases.models import Case, Department, StaffNotice
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.numbers import parse_case_number
from bot.cases.queries import CaseCount, CaseDetail, CaseFilter, CaseListItem, QueuePosition
from bot.cases.scope import can_view, scope_clause
from bot.cases.transitions import HANDLING, Action, authorize
from bot.cases.vocabulary import DepartmentKind, Role, Status
from bot.cases.workdays import WorkCalendar
from bot.db.base import table_of
from bot.db.engine import reading

cases = table_of(Case)
departments = table_of(Department)
notices = table_of(StaffNotice)
staff_users = table_of(StaffUserRow)
CaseRef = int | str
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class DepartmentView:
    id: int
    code: str
    name: str
    kind: str
    district: str | None


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str  # "reminder" | "escalation" | "digest"
    case_id: int | None
    text: str
    created_at: datetime
    read_at: datetime | None


class CaseService:
    def __init__(
        self, engine: AsyncEngine, params: Mapping[str, Any], clock: Clock, calendar: WorkCalendar | None = None
    ) -> None:
        self._engine = engine
        self._reader = reading(engine)  # lists and searches: on SQLite off the event loop
        self._clock = clock
        self.policy = DeadlinePolicy.from_params(params, calendar)
        self.district_names = {d["id"]: d["name"] for d in params.get("districts", ())}

    # -- reading ---------------------------------------------------------------------------------------------

    async def list_cases(
        self,
        viewer: StaffUser,
        filters: CaseFilter | None = None,
        *,
        limit: int = 50,
        offset: int = 0,
        after: QueuePosition | None = None,
    ) -> list[CaseListItem]:
        """A page of the viewer's queue: earliest deadline (so overdue) first, closed cases last; phones masked.
        The page is `limit` cases from `offset`, or after `after` (the last item's `position`: the next page)."""
        async with self._reader.connect() as conn:
            return await queries.list_cases(conn, viewer, filters or CaseFilter(), self._clock(), limit, offset, after)

    async def count_cases(
        self, viewer: StaffUser, filters: CaseFilter | None = None, *, cap: int | None = queries.COUNT_CAP
    ) -> CaseCount:
        """How many cases of the viewer's queue match, for the pager: exact up to `cap`, else `CaseCount(cap,
        exact=False)` ("more than cap") — an exact count of a common search term reads tens of thousands of cases.
        `cap=None` counts them all."""
        async with self._reader.connect() as conn:
            return await queries.count_cases(conn, viewer, filters or CaseFilter(), self._clock(), cap)

    async def get_case(self, viewer: StaffUser, ref: CaseRef) -> CaseDetail:
        """The case page (timeline, allowed actions); records the view in the case's history."""
        async with self._engine.begin() as conn:
            case = await self._visible(conn, viewer, ref)
            detail = await queries.case_detail(conn, viewer, case["id"], self._clock())
            assert detail is not None
            await append_event(
                conn, case["id"], viewer, EventKind.VIEWED, self._clock(), data={"phone_shown": detail.phone_visible}
            )
            return detail

    async def departments(self, include_inactive: bool = False) -> list[DepartmentView]:
        """Every department (for transfer / dispatch pickers and filters)."""
        query = select(departments).order_by(departments.c.kind, departments.c.id)
        if not include_inactive:
            query = query.where(departments.c.active.is_(True))
        async with self._engine.connect() as conn:
            return [DepartmentView(r.id, r.code, r.name, r.kind, r.district) for r in await conn.execute(query)]

    async def notices(self, viewer: StaffUser, *, unread_only: bool = False, limit: int = 50) -> list[NoticeView]:
        """Reminders, 督办 and digests for the viewer or their department, newest first."""
        mine = notices.c.staff_user_id == viewer.id
        if viewer.department_id is not None:
            mine = mine | ((notices.c.department_id == viewer.department_id) & notices.c.staff_user_id.is_(None))
        query = select(notices).where(mine).order_by(notices.c.id.desc()).limit(max(1, min(limit, 200)))
        if unread_only:
            query = query.where(notices.c.read_at.is_(None))
        async with self._engine.connect() as conn:
            return [
                NoticeView(r.id, r.kind, r.case_id, r.text, r.created_at, r.read_at) for r in await conn.execute(query)
            ]

    async def mark_notice_read(self, viewer: StaffUser, notice_id: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(notices)
                .where(notices.c.id == notice_id, notices.c.staff_user_id == viewer.id)
                .values(read_at=self._clock())
            )

    # -- actions -------------------------------------------------------------------------------------------

    async def claim(self, viewer: StaffUser, ref: CaseRef) -> CaseDetail:
        """签收. On PostgreSQL the row is taken with SKIP LOCKED: if someone else is claiming it at this moment, or
        already holds it, this raises Conflict at once instead of waiting."""
        async with self._engine.begin() as conn:
            case = await handling.load_case(conn, **_ref(ref), lock=True, skip_locked=True)
            if case is None:
                existing = await handling.load_case(conn, **_ref(ref))
                if existing is None or not can_view(viewer, handling.facts(existing)):
                    raise NotFound()
                raise Conflict("其他人正在签收这个案件，请刷新后再看。")
            if not can_view(viewer, handling.facts(case)):
                raise NotFound()
            if case["assignee_id"] is not None and case["status"] in HANDLING:
                who = await conn.scalar(
                    select(staff_users.c.display_name).where(staff_users.c.id == case["assignee_id"])
                )
                raise Conflict(f"这个案件已由{who or '其他人'}签收。")
            await handling.claim(conn, case, viewer, self._clock())
            detail = await self._detail(conn, viewer, case["id"])
            assert detail is not None
            return detail

    async def claim_next(self, viewer: StaffUser) -> CaseDetail | None:
        """签收 the most urgent unclaimed case of the viewer's department; None when there is none. Concurrent
        callers never get the same case (SKIP LOCKED on PostgreSQL, one writer at a time on SQLite)."""
        if viewer.department_id is None:
            raise Forbidden("没有所属单位，不能领取案件。")
        async with self._engine.begin() as conn:
            query = (
                select(cases.c.id)
                .where(
                    cases.c.department_id == viewer.department_id,
                    cases.c.status == Status.DISPATCHED,
                    scope_clause(viewer),
                )
                .order_by(cases.c.priority.desc(), cases.c.next_due.asc().nulls_last(), cases.c.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            case_id = await conn.scalar(query)
            if case_id is None:
                return None
            case = await handling.load_case(conn, case_id=case_id)
            assert case is not None
            await handling.claim(conn, case, viewer, self._clock())
            return await self._detail(conn, viewer, case_id)

    async def dispatch(self, viewer: StaffUser, ref: CaseRef, department_id: int, note: str = "") -> CaseDetail | None:
        """派单 a case from the dispatcher queue (new / returned) to a department."""
        return await self._act(
            viewer,
            ref,
            lambda conn, case, now: handling.dispatch(conn, case, viewer, department_id, now, self.policy, note),
        )

    async def transfer(
        self, viewer: StaffUser, ref: CaseRef, department_id: int, reason: str = ""
    ) -> CaseDetail | None:
        """转办 to another department (never to the department a staff-conduct complaint names)."""
        return await self._act(
            viewer,
            ref,
            lambda conn, case, now: handling.dispatch(
                conn, case, viewer, department_id, now, self.policy, reason, Action.TRANSFER
            ),
        )

    async def start(self, viewer: StaffUser, ref: CaseRef) -> CaseDetail | None:
        return await self._act(viewer, ref, lambda conn, case, now: handling.start(conn, case, viewer, now))

    async def reply(self, viewer: StaffUser, ref: CaseRef, text: str) -> CaseDetail | None:
        """A public reply, sent to the resident."""
        return await self._act(viewer, ref, lambda conn, case, now: handling.reply(conn, case, viewer, text, now))

    async def note(self, viewer: StaffUser, ref: CaseRef, text: str) -> CaseDetail | None:
        """An internal note, never shown to the resident."""
        return await self._act(viewer, ref, lambda conn, case, now: handling.note(conn, case, viewer, text, now))

    async def return_case(self, viewer: StaffUser, ref: CaseRef, reason: str) -> CaseDetail | None:
        """退单: back to the dispatcher queue with the reason."""

        async def act(conn: AsyncConnection, case: handling.CaseRow, now: datetime) -> object:
            queue = await routing.special_department(conn, DepartmentKind.DISPATCH)
            return await handling.return_case(conn, case, viewer, reason, now, self.policy, queue)

        return await self._act(viewer, ref, act)

    async def extend(self, viewer: StaffUser, ref: CaseRef, days: int, reason: str) -> CaseDetail | None:
        """延期 by `days` (at most 30 in all); the resident is told the reason."""
        return await self._act(
            viewer, ref, lambda conn, case, now: handling.extend(conn, case, viewer, days, reason, now, self.policy)
        )

    async def resolve(self, viewer: StaffUser, ref: CaseRef, result: str) -> CaseDetail | None:
        """办结 with the result the resident reads; they are asked to rate it."""
        return await self._act(viewer, ref, lambda conn, case, now: handling.resolve(conn, case, viewer, result, now))

    async def merge(self, viewer: StaffUser, ref: CaseRef, into: CaseRef) -> CaseDetail | None:
        """并单: handle `ref` as part of `into` (the returned page is that of `ref`)."""

        async def act(conn: AsyncConnection, case: handling.CaseRow, now: datetime) -> object:
            target = await handling.load_case(conn, **_ref(into), lock=True)
            if target is None:
                raise NotFound("没有找到要合并到的案件。")
            return await handling.merge(conn, case, target, viewer, now)

        return await self._act(viewer, ref, act)

    async def reopen(self, viewer: StaffUser, ref: CaseRef, reason: str) -> CaseDetail | None:
        """重新办理 a closed case (supervisors and admins)."""
        return await self._act(
            viewer, ref, lambda conn, case, now: handling.reopen(conn, case, viewer, reason, now, self.policy)
        )

    async def escalate(self, viewer: StaffUser, ref: CaseRef, text: str) -> CaseDetail | None:
        """督办 by a supervisor: an internal event and a notice to the handling department."""

        async def act(conn: AsyncConnection, case: handling.CaseRow, now: datetime) -> object:
            authorize(Action.ESCALATE, handling.facts(case), viewer)
            body = handling.clean_text(text, "督办意见", 2, handling.MAX_REASON)
            event_id = await append_event(
                conn, case["id"], viewer, EventKind.ESCALATED, now, text=body, data={"by": "supervisor"}
            )
            await conn.execute(
                notices.insert().values(
                    dedupe_key=f"manual-escalation:{event_id}",
                    kind="escalation",
                    staff_user_id=case["assignee_id"],
                    department_id=case["department_id"],
                    case_id=case["id"],
                    text=f"督办：案件 {case['number']}——{body}",
                    created_at=now,
                )
            )
            return case

        return await self._act(viewer, ref, act)

    # -- routing rules (admins) ------------------------------------------------------------------------------

    async def routing_rules(self, viewer: StaffUser) -> list[Row]:
        _admin(viewer)
        async with self._engine.connect() as conn:
            return await routing.list_rules(conn)

    async def set_routing_rule(self, viewer: StaffUser, category: str, district: str, department_id: int) -> None:
        _admin(viewer)
        try:
            async with self._engine.begin() as conn:
                await routing.set_rule(conn, category, district, department_id, self._clock())
        except routing.RoutingError as exc:
            raise InvalidInput(f"不能为这个类别设置规则：{exc}") from None

    async def delete_routing_rule(self, viewer: StaffUser, rule_id: int) -> bool:
        _admin(viewer)
        async with self._engine.begin() as conn:
            return await routing.delete_rule(conn, rule_id)

    # -- plumbing --------------------------------------------------------------------------------------------

    async def _visible(
        self, conn: AsyncConnection, viewer: StaffUser, ref: CaseRef, lock: bool = False
    ) -> handling.CaseRow:
        case = await handling.load_case(conn, **_ref(ref), lock=lock)
        if case is None or not can_view(viewer, handling.facts(case)):
            raise NotFound()
        return case

    async def _act(
        self,
        viewer: StaffUser,
        ref: CaseRef,
        change: Callable[[AsyncConnection, handling.CaseRow, datetime], Awaitable[object]],
    ) -> CaseDetail | None:
        async with self._engine.begin() as conn:
            case = await self._visible(conn, viewer, ref, lock=True)
            await change(conn, case, self._clock())
            return await self._detail(conn, viewer, case["id"])

    async def _detail(self, conn: AsyncConnection, viewer: StaffUser, case_id: int) -> CaseDetail | None:
        """The page after an action; None when the action moved the case out of the viewer's scope (退单, 转办)."""
        return await queries.case_detail(conn, viewer, case_id, self._clock())


def _ref(ref: CaseRef) -> dict[str, Any]:
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise NotFound()
    if isinstance(ref, int):
        return {"case_id": ref}
    number = parse_case_number(ref)
    if number is None:
        raise NotFound()
    return {"number": number}


def _admin(viewer: StaffUser) -> None:
    if viewer.role != Role.ADMIN:
        raise Forbidden("只有管理员可以修改派单规则。")
