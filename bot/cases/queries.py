"""Reading cases for staff: queues and search scoped to the viewer (bot.cases.scope), and the case page.

Lists never show a full phone number; the case page shows it only to the case's assignee. Lists are ordered by
the earliest open deadline, so overdue cases come first and closed ones last."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Select, Text, and_, func, literal_column, or_, select
from sqlalchemy.dialects.postgresql import ARRAY, array
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import aliased

from bot.cases.actors import StaffUser
from bot.cases.events import EVENT_LABELS, EventKind
from bot.cases.handling import CaseRow, facts
from bot.cases.models import Case, CaseEvent, Department
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.numbers import parse_case_number
from bot.cases.phones import mask_phone, normalise_phone
from bot.cases.scope import scope_clause
from bot.cases.transitions import Action, allowed_actions
from bot.cases.vocabulary import (
    CATEGORY_LABELS,
    OPEN_STATUSES,
    STAFF_STATUS_LABELS,
    TYPE_LABELS,
    CaseType,
    Category,
    Status,
)

cases = Case.__table__
events = CaseEvent.__table__
departments = Department.__table__
staff_users = StaffUserRow.__table__
named = aliased(departments, name="named_department")
SUMMARY_CHARS = 60
MAX_PAGE = 200
COUNT_CAP = 1000  # the pager's count stops here (CaseCount)
ITEMS_PER_STEP = 50  # rows of a list made into items between two turns of the event loop (~1 ms)


@dataclass(frozen=True)
class CaseFilter:
    """What a queue shows. Empty values filter nothing."""

    statuses: tuple[str, ...] = ()
    open_only: bool = False
    category: str | None = None
    district: str | None = None
    department_id: int | None = None
    overdue: bool = False
    assigned_to_me: bool = False
    unassigned: bool = False
    # a case number (AJ-2026-000123), a phone number (exact), or words found in description / address / wish
    search: str = ""


class QueuePosition(NamedTuple):
    """Where a case stands in a queue's order (next_due ASC NULLS LAST, priority DESC, id DESC): a list can go on
    after it (keyset pagination — an OFFSET reads again every case it skips)."""

    next_due: datetime | None
    priority: int
    id: int


@dataclass(frozen=True)
class CaseListItem:
    id: int
    number: str
    type: str
    type_label: str
    category: str
    category_label: str
    district: str
    status: str
    status_label: str
    urgent: bool
    priority: int
    department_id: int | None
    department_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    phone_masked: str
    summary: str
    created_at: datetime
    next_due: datetime | None
    overdue: bool

    @property
    def position(self) -> QueuePosition:
        return QueuePosition(self.next_due, self.priority, self.id)


@dataclass(frozen=True)
class CaseEventView:
    id: int
    kind: str
    kind_label: str
    public: bool
    text: str
    data: Mapping[str, Any]
    actor_kind: str  # "staff" | "resident" | "system"
    actor_name: str
    created_at: datetime


@dataclass(frozen=True)
class CaseDetail:
    """The case page. `phone` is the full number only for the assignee (`phone_visible`), masked otherwise."""

    id: int
    number: str
    type: str
    type_label: str
    category: str
    category_label: str
    district: str
    address: str
    description: str
    wish: str
    phone: str
    phone_visible: bool
    anonymous: bool
    details: Mapping[str, Any]
    channel: str
    status: str
    status_label: str
    urgent: bool
    priority: int
    department_id: int | None
    department_name: str | None
    named_department_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    sign_for_due: datetime | None
    notify_due: datetime | None
    finish_due: datetime | None
    next_due: datetime | None
    overdue: bool
    extended_days: int
    created_at: datetime
    accepted_at: datetime | None
    first_reply_at: datetime | None
    closed_at: datetime | None
    reopened_count: int
    rating: int | None
    merged_into_number: str | None
    events: tuple[CaseEventView, ...] = ()
    actions: tuple[Action, ...] = field(default_factory=tuple)  # what the viewer may do now (buttons)


# what a list shows of a case (`_item`): reading every column (the case page's) cost 3 times as much per row — 13
# timestamps parsed for 2 shown — which an export pays 10,000 times on the event loop
_LIST_COLUMNS = tuple(
    cases.c[name]
    for name in (
        "id",
        "number",
        "type",
        "category",
        "district",
        "status",
        "urgent",
        "priority",
        "department_id",
        "assignee_id",
        "phone",
        "description",
        "created_at",
        "next_due",
    )
)


def _base(viewer: StaffUser, columns: tuple[ColumnElement[Any], ...] | None = None) -> Select:
    """The viewer's cases (`columns` of them, else all) with their department's name and kind and their assignee's
    name."""
    assignee = aliased(staff_users, name="assignee")
    return (
        select(
            *(columns if columns is not None else (cases,)),
            departments.c.name.label("department_name"),
            departments.c.kind.label("department_kind"),
            assignee.c.display_name.label("assignee_name"),
        )
        .outerjoin(departments, departments.c.id == cases.c.department_id)
        .outerjoin(assignee, assignee.c.id == cases.c.assignee_id)
        .where(scope_clause(viewer))
    )


def _filters(viewer: StaffUser, f: CaseFilter, now: datetime, dialect: str) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if f.statuses:
        where.append(cases.c.status.in_(list(f.statuses)))
    if f.open_only:
        where.append(cases.c.status.in_([s.value for s in OPEN_STATUSES]))
    if f.category:
        where.append(cases.c.category == f.category)
    if f.district:
        where.append(cases.c.district == f.district)
    if f.department_id is not None:
        where.append(cases.c.department_id == f.department_id)
    if f.overdue:
        where.append(and_(cases.c.next_due.is_not(None), cases.c.next_due < now))
    if f.assigned_to_me:
        where.append(cases.c.assignee_id == viewer.id)
    if f.unassigned:
        where.append(cases.c.assignee_id.is_(None))
    term = " ".join(f.search.split())[:100]
    if term:
        number = parse_case_number(term)
        phone = normalise_phone(term)
        if number is not None:
            where.append(cases.c.number == number)
        elif phone is not None:
            where.append(cases.c.phone == phone)
        else:
            where.append(_words(term, dialect))
    return where


def _words(term: str, dialect: str) -> ColumnElement[bool]:
    """`term` in the description, address, wish or number, case-insensitively.

    On PostgreSQL the pg_trgm index (migration 0003) serves terms of three characters or more. A two-character term —
    most Chinese words — has no trigram: it is looked up in the index of the columns' bigrams instead (a string of two
    characters is in a text exactly when it is one of the text's bigrams; `anju_search_bigrams` lower-cases as ILIKE
    does), and each row found is checked with `strpos` on the lower-cased columns — the same test as ILIKE, cheap
    where the bigram function is not (a queue walked in order checks rows one by one), and not mistaken by the
    planner for a second, independent condition (which would make a common word look rare)."""
    if dialect == "postgresql" and len(term) == 2:
        columns = (cases.c.description, cases.c.address, cases.c.wish, cases.c.number)
        wanted = func.lower(term)
        bigrams = func.anju_search_bigrams(*columns, type_=ARRAY(Text))
        return and_(bigrams.contains(array([wanted])), or_(*(func.strpos(func.lower(c), wanted) > 0 for c in columns)))
    return or_(
        cases.c.description.icontains(term, autoescape=True),
        cases.c.address.icontains(term, autoescape=True),
        cases.c.wish.icontains(term, autoescape=True),
        cases.c.number.icontains(term, autoescape=True),
    )


async def _plan_per_call(conn: AsyncConnection) -> None:
    """On PostgreSQL, for this transaction: plan queries for their actual values, never with a cached generic plan —
    the best plan depends on them (a rare search term or district: collect the matches, then sort; a common one: walk
    a queue index until the page is full), and a generic plan made for one kind of value costs seconds for the other;
    and no JIT compilation, which costs more (50 ms and up) than it saves on queries meant to take milliseconds; nor
    parallel workers: starting them costs 10–30 ms on a busy machine, and a page of 30 is found sooner without."""
    if conn.dialect.name == "postgresql":
        await conn.execute(
            select(
                func.set_config("plan_cache_mode", "force_custom_plan", True),
                func.set_config("jit", "off", True),
                func.set_config("max_parallel_workers_per_gather", "0", True),
            )
        )


def _after(position: QueuePosition) -> ColumnElement[bool]:
    """The cases after `position` in the queues' order: a later deadline or none (closed cases come last), or the
    same deadline and a lower priority, or the same priority and a lower id."""
    next_due, priority, case_id = position
    later = or_(cases.c.priority < priority, and_(cases.c.priority == priority, cases.c.id < case_id))
    if next_due is None:
        return and_(cases.c.next_due.is_(None), later)
    return or_(cases.c.next_due > next_due, cases.c.next_due.is_(None), and_(cases.c.next_due == next_due, later))


async def list_cases(
    conn: AsyncConnection,
    viewer: StaffUser,
    f: CaseFilter,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    after: QueuePosition | None = None,
) -> list[CaseListItem]:
    """A page of the queue: `limit` cases from `offset`, or the `limit` after `after` (the last of the page before)."""
    query = (
        _base(viewer, _LIST_COLUMNS)
        .where(*_filters(viewer, f, now, conn.dialect.name), *([_after(after)] if after is not None else []))
        .order_by(cases.c.next_due.asc().nulls_last(), cases.c.priority.desc(), cases.c.id.desc())
        .limit(max(1, min(limit, MAX_PAGE)))
        .offset(max(0, offset))
    )
    await _plan_per_call(conn)
    result = await conn.execute(query)
    items: list[CaseListItem] = []
    for rows in result.partitions(ITEMS_PER_STEP):
        if items:
            await asyncio.sleep(0)  # a page of an export (200 cases): the loop goes on between parts of it
        items.extend(_item(row._mapping, now) for row in rows)
    return items


@dataclass(frozen=True)
class CaseCount:
    """How many cases a filter matches: exactly `n`, or — when not `exact` — more than `n` (counting stopped there).

    The pager counts at most a cap of matches: an exact count reads every matching case, which for a common search
    term means tens of thousands of rows (and hundreds of milliseconds), to print a number nobody pages through."""

    n: int
    exact: bool = True


async def count_cases(
    conn: AsyncConnection, viewer: StaffUser, f: CaseFilter, now: datetime, cap: int | None = None
) -> CaseCount:
    """The cases `viewer` sees that `f` matches, counted up to `cap` (None: all of them). Above the cap the answer
    is `CaseCount(cap, exact=False)`: the query stops at the cap's first match beyond it."""
    where = (scope_clause(viewer), *_filters(viewer, f, now, conn.dialect.name))
    if cap is None:
        query = select(func.count()).select_from(cases).where(*where)
    else:
        cap = max(0, cap)
        # `1`, not a column: the filters' columns alone can then be read from an index (index-only scan)
        matches: Select[Any] = select(literal_column("1").label("one")).select_from(cases).where(*where).limit(cap + 1)
        query = select(func.count()).select_from(matches.subquery("matches"))
    await _plan_per_call(conn)
    n = int(await conn.scalar(query) or 0)
    if cap is not None and n > cap:
        return CaseCount(cap, exact=False)
    return CaseCount(n)


def _overdue(row: CaseRow, now: datetime) -> bool:
    return row["next_due"] is not None and row["next_due"] < now


def _item(row: CaseRow, now: datetime) -> CaseListItem:
    description = " ".join((row["description"] or "").split())
    return CaseListItem(
        id=row["id"],
        number=row["number"],
        type=row["type"],
        type_label=TYPE_LABELS[CaseType(row["type"])],
        category=row["category"],
        category_label=CATEGORY_LABELS[Category(row["category"])],
        district=row["district"],
        status=row["status"],
        status_label=STAFF_STATUS_LABELS[Status(row["status"])],
        urgent=row["urgent"],
        priority=row["priority"],
        department_id=row["department_id"],
        department_name=row["department_name"],
        assignee_id=row["assignee_id"],
        assignee_name=row["assignee_name"],
        phone_masked=mask_phone(row["phone"]),
        summary=description[:SUMMARY_CHARS] + ("…" if len(description) > SUMMARY_CHARS else ""),
        created_at=row["created_at"],
        next_due=row["next_due"],
        overdue=_overdue(row, now),
    )


async def case_detail(conn: AsyncConnection, viewer: StaffUser, case_id: int, now: datetime) -> CaseDetail | None:
    """The case page for `viewer`, or None if the case is outside their scope."""
    query = (
        _base(viewer)
        .add_columns(named.c.name.label("named_department_name"))
        .outerjoin(named, named.c.id == cases.c.named_department_id)
        .where(cases.c.id == case_id)
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return None
    case = row._mapping
    merged_into = None
    if case["merged_into_id"] is not None:
        merged_into = await conn.scalar(select(cases.c.number).where(cases.c.id == case["merged_into_id"]))
    owner = case["assignee_id"] is not None and case["assignee_id"] == viewer.id
    return CaseDetail(
        id=case["id"],
        number=case["number"],
        type=case["type"],
        type_label=TYPE_LABELS[CaseType(case["type"])],
        category=case["category"],
        category_label=CATEGORY_LABELS[Category(case["category"])],
        district=case["district"],
        address=case["address"],
        description=case["description"],
        wish=case["wish"],
        phone=(case["phone"] or "") if owner else mask_phone(case["phone"]),
        phone_visible=owner,
        anonymous=case["anonymous"],
        details=case["details"] or {},
        channel=case["channel"],
        status=case["status"],
        status_label=STAFF_STATUS_LABELS[Status(case["status"])],
        urgent=case["urgent"],
        priority=case["priority"],
        department_id=case["department_id"],
        department_name=case["department_name"],
        named_department_name=case["named_department_name"],
        assignee_id=case["assignee_id"],
        assignee_name=case["assignee_name"],
        sign_for_due=case["sign_for_due"],
        notify_due=case["notify_due"],
        finish_due=case["finish_due"],
        next_due=case["next_due"],
        overdue=_overdue(case, now),
        extended_days=case["extended_days"],
        created_at=case["created_at"],
        accepted_at=case["accepted_at"],
        first_reply_at=case["first_reply_at"],
        closed_at=case["closed_at"],
        reopened_count=case["reopened_count"],
        rating=case["rating"],
        merged_into_number=merged_into,
        events=tuple(await case_events(conn, case_id)),
        actions=tuple(allowed_actions(facts(case), viewer)),
    )


async def case_events(conn: AsyncConnection, case_id: int) -> list[CaseEventView]:
    """The whole history, oldest first, public and internal."""
    rows = await conn.execute(
        select(events, staff_users.c.display_name)
        .outerjoin(staff_users, staff_users.c.id == events.c.actor_staff_id)
        .where(events.c.case_id == case_id)
        .order_by(events.c.id)
    )
    names = {"resident": "居民", "system": "系统"}
    return [
        CaseEventView(
            id=r.id,
            kind=r.kind,
            kind_label=EVENT_LABELS.get(EventKind(r.kind), r.kind),
            public=r.public,
            text=r.text,
            data=r.data or {},
            actor_kind=r.actor_kind,
            actor_name=r.display_name if r.actor_kind == "staff" else names.get(r.actor_kind, r.actor_kind),
            created_at=r.created_at,
        )
        for r in rows
    ]
