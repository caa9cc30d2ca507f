"""What each action does to a case, inside the caller's transaction: authorise it against the transition table,
change the row, recompute the queue deadline, append the event and — for a public one — queue the resident's
message. CaseService (staff), ResidentDesk (the resident's rating) and the scheduler all act through here."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases import resident_texts
from bot.cases.actors import Actor, StaffUser
from bot.cases.deadlines import DeadlinePolicy, next_due
from bot.cases.errors import InvalidInput, NotFound, TransitionNotAllowed
from bot.cases.events import EventKind, append_event
from bot.cases.group_posts import PostReason, post_to_group
from bot.cases.models import Case, CaseRating, Department
from bot.cases.scope import CaseFacts, can_view
from bot.cases.transitions import Action, authorize
from bot.cases.vocabulary import Category, DepartmentKind, Rating, Status
from bot.db.base import table_of

cases = table_of(Case)
departments = table_of(Department)
ratings = table_of(CaseRating)
CaseRow = RowMapping | Mapping[str, Any]  # a row's _mapping, or a dict of the same columns
MAX_TEXT = 2000
MIN_REASON = 2
MAX_REASON = 500


async def load_case(
    conn: AsyncConnection,
    *,
    case_id: int | None = None,
    number: str | None = None,
    lock: bool = False,
    skip_locked: bool = False,
) -> CaseRow | None:
    """A case row with its department's kind and name; `lock` takes its row lock (PostgreSQL) until commit."""
    query = select(
        cases, departments.c.kind.label("department_kind"), departments.c.name.label("department_name")
    ).outerjoin(departments, departments.c.id == cases.c.department_id)
    query = query.where(cases.c.id == case_id) if case_id is not None else query.where(cases.c.number == number)
    if lock:
        query = query.with_for_update(of=cases, skip_locked=skip_locked)
    row = (await conn.execute(query)).first()
    return None if row is None else dict(row._mapping)


def facts(case: CaseRow) -> CaseFacts:
    return CaseFacts(
        case["status"],
        case["department_id"],
        case["department_kind"],
        case["named_department_id"],
        case["assignee_id"],
        case["resident_id"],
    )


def clean_text(text: str, what: str, minimum: int = 1, maximum: int = MAX_TEXT) -> str:
    text = (text or "").strip()
    if len(text) < minimum:
        raise InvalidInput(f"请填写{what}。" if minimum <= 1 else f"{what}至少 {minimum} 个字。")
    if len(text) > maximum:
        raise InvalidInput(f"{what}最多 {maximum} 个字。")
    return text


async def save(conn: AsyncConnection, case: CaseRow, now: datetime, **changes: Any) -> CaseRow:
    """Write `changes`, the queue deadline they imply, and ask the scheduler to look at the case again."""
    merged = {**case, **changes}
    due = next_due(merged)
    changes.update(next_due=due, alarm_at=now if due is not None else None, updated_at=now)
    await conn.execute(update(cases).where(cases.c.id == case["id"]).values(**changes))
    return {**case, **changes}


async def _department(conn: AsyncConnection, department_id: int) -> CaseRow:
    row = (await conn.execute(select(departments).where(departments.c.id == department_id))).first()
    if row is None or not row.active:
        raise InvalidInput("没有这个承办单位。")
    return row._mapping


async def dispatch(
    conn: AsyncConnection,
    case: CaseRow,
    actor: Actor,
    department_id: int,
    now: datetime,
    policy: DeadlinePolicy,
    note: str = "",
    action: Action = Action.DISPATCH,
) -> CaseRow:
    """派单 (from the queue) or 转办 (from a department): the case waits for the new department to sign for it."""
    target = authorize(action, facts(case), actor)
    department = await _department(conn, department_id)
    if department["kind"] == DepartmentKind.DISPATCH:
        raise InvalidInput("请选择具体的承办单位。")
    if department_id == case["named_department_id"]:
        raise TransitionNotAllowed("这是针对该单位工作人员的投诉，不能交给被投诉的单位办理。")
    is_conduct = case["category"] == Category.STAFF_CONDUCT
    if is_conduct != (department["kind"] == DepartmentKind.DISCIPLINE):
        raise TransitionNotAllowed("工作人员作风投诉只能由纪检监察办理；其他案件不能派给纪检监察。")
    if department_id == case["department_id"] and action is Action.TRANSFER:
        raise InvalidInput("案件已经在这个单位了。")
    note = clean_text(note, "说明", 0, MAX_REASON)
    saved = await save(
        conn,
        case,
        now,
        status=target,
        department_id=department_id,
        assignee_id=None,
        dispatched_at=now,
        sign_for_due=policy.sign_for(case["urgent"], now),
    )
    kind = EventKind.DISPATCHED if action is Action.DISPATCH else EventKind.TRANSFERRED
    event_id = await append_event(
        conn,
        case["id"],
        actor,
        kind,
        now,
        text=note,
        data={"from_department_id": case["department_id"], "department_id": department_id},
    )
    await post_to_group(conn, case["id"], PostReason.NEW, now, key=f"{case['id']}:event:{event_id}")
    return saved


async def claim(conn: AsyncConnection, case: CaseRow, actor: StaffUser, now: datetime) -> CaseRow:
    """签收: the viewer owns the case; the resident is told who has accepted it."""
    target = authorize(Action.CLAIM, facts(case), actor)
    saved = await save(conn, case, now, status=target, assignee_id=actor.id, accepted_at=now)
    message = resident_texts.accepted(case["number"], case["department_name"] or "承办单位", case["finish_due"])
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.CLAIMED,
        now,
        public=True,
        text=f"{case['department_name'] or '承办单位'}已受理",
        resident_id=case["resident_id"],
        notify=message,
    )
    return saved


async def start(conn: AsyncConnection, case: CaseRow, actor: Actor, now: datetime) -> CaseRow:
    target = authorize(Action.START, facts(case), actor)
    saved = await save(conn, case, now, status=target)
    await append_event(conn, case["id"], actor, EventKind.STARTED, now)
    return saved


async def reply(conn: AsyncConnection, case: CaseRow, actor: Actor, text: str, now: datetime) -> CaseRow:
    """A public answer to the resident; the first one meets the 首次答复 deadline."""
    target = authorize(Action.REPLY, facts(case), actor)
    text = clean_text(text, "答复内容")
    saved = await save(conn, case, now, status=target, first_reply_at=case["first_reply_at"] or now)
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.REPLIED,
        now,
        public=True,
        text=text,
        resident_id=case["resident_id"],
        notify=resident_texts.replied(case["number"], text),
    )
    return saved


async def note(conn: AsyncConnection, case: CaseRow, actor: Actor, text: str, now: datetime) -> CaseRow:
    """An internal note: staff only, the resident never sees it."""
    authorize(Action.NOTE, facts(case), actor)
    await append_event(conn, case["id"], actor, EventKind.NOTED, now, text=clean_text(text, "备注内容"))
    return case


async def return_case(
    conn: AsyncConnection,
    case: CaseRow,
    actor: Actor,
    reason: str,
    now: datetime,
    policy: DeadlinePolicy,
    dispatch_id: int | None,
) -> CaseRow:
    """退单: not ours — back to the dispatcher queue with the reason."""
    target = authorize(Action.RETURN, facts(case), actor)
    if case["category"] == Category.STAFF_CONDUCT:
        raise TransitionNotAllowed("工作人员作风投诉由纪检监察办理，不能退单。")
    reason = clean_text(reason, "退单理由", MIN_REASON, MAX_REASON)
    saved = await save(
        conn,
        case,
        now,
        status=target,
        department_id=dispatch_id,
        assignee_id=None,
        dispatched_at=now,
        sign_for_due=policy.sign_for(case["urgent"], now),
    )
    event_id = await append_event(
        conn,
        case["id"],
        actor,
        EventKind.RETURNED,
        now,
        text=reason,
        data={"from_department_id": case["department_id"]},
    )
    await post_to_group(conn, case["id"], PostReason.NEW, now, key=f"{case['id']}:event:{event_id}")
    return saved


async def extend(
    conn: AsyncConnection, case: CaseRow, actor: Actor, days: int, reason: str, now: datetime, policy: DeadlinePolicy
) -> CaseRow:
    """延期: at most `max_extension_days` in all; the resident is told the reason and the new deadline."""
    authorize(Action.EXTEND, facts(case), actor)
    left = policy.max_extension_days - case["extended_days"]
    if not isinstance(days, int) or days < 1 or days > left:
        raise InvalidInput(
            f"延期天数应为 1 到 {left} 天（累计最多 {policy.max_extension_days} 天）。"
            if left > 0
            else f"已累计延期 {policy.max_extension_days} 天，不能再延期。"
        )
    reason = clean_text(reason, "延期理由", MIN_REASON, MAX_REASON)
    finish_due = policy.extended_finish(case["finish_due"], days)
    saved = await save(conn, case, now, finish_due=finish_due, extended_days=case["extended_days"] + days)
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.EXTENDED,
        now,
        public=True,
        text=reason,
        data={"days": days, "finish_due": finish_due.isoformat()},
        resident_id=case["resident_id"],
        notify=resident_texts.extended(case["number"], days, reason, finish_due),
    )
    return saved


async def resolve(conn: AsyncConnection, case: CaseRow, actor: Actor, result: str, now: datetime) -> CaseRow:
    """办结 with the result the resident reads; they are asked to rate it. Cases merged into it are told too."""
    target = authorize(Action.RESOLVE, facts(case), actor)
    result = clean_text(result, "办理结果")
    saved = await save(conn, case, now, status=target, closed_at=now, first_reply_at=case["first_reply_at"] or now)
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.RESOLVED,
        now,
        public=True,
        text=result,
        resident_id=case["resident_id"],
        notify=resident_texts.resolved(case["number"], result),
    )
    merged_rows = await conn.execute(
        select(cases.c.id, cases.c.number, cases.c.resident_id).where(cases.c.merged_into_id == case["id"])
    )
    for merged in merged_rows.all():
        await append_event(
            conn,
            merged.id,
            actor,
            EventKind.RESOLVED,
            now,
            public=True,
            text=result,
            data={"via_case_id": case["id"]},
            resident_id=merged.resident_id,
            notify=resident_texts.merged_resolved(merged.number, result),
        )
    return saved


async def merge(conn: AsyncConnection, case: CaseRow, into: CaseRow, actor: Actor, now: datetime) -> CaseRow:
    """并单: `case` is handled as part of `into`; cases already merged into `case` follow it."""
    target = authorize(Action.MERGE, facts(case), actor)
    if isinstance(actor, StaffUser) and not can_view(actor, facts(into)):
        raise NotFound("没有找到要合并到的案件。")
    if into["id"] == case["id"]:
        raise InvalidInput("不能与自己合并。")
    if into["status"] in (Status.CLOSED, Status.MERGED):
        raise InvalidInput("只能合并到尚未办结的案件。")
    if (case["category"] == Category.STAFF_CONDUCT) != (into["category"] == Category.STAFF_CONDUCT):
        raise TransitionNotAllowed("工作人员作风投诉只能与同类投诉合并。")
    saved = await save(conn, case, now, status=target, merged_into_id=into["id"])
    await conn.execute(
        update(cases)
        .where(cases.c.merged_into_id == case["id"], cases.c.id != case["id"])
        .values(merged_into_id=into["id"], updated_at=now)
    )
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.MERGED,
        now,
        public=True,
        data={"into_case_id": into["id"], "into_number": into["number"]},
        resident_id=case["resident_id"],
        notify=resident_texts.merged(case["number"]),
    )
    await append_event(
        conn,
        into["id"],
        actor,
        EventKind.MERGED,
        now,
        data={"merged_case_id": case["id"], "merged_number": case["number"]},
    )
    return saved


async def reopen(
    conn: AsyncConnection, case: CaseRow, actor: Actor, reason: str, now: datetime, policy: DeadlinePolicy
) -> CaseRow:
    """重新办理: back to the same assignee with `review_decision_days` to finish; the resident is told."""
    target = authorize(Action.REOPEN, facts(case), actor)
    reason = clean_text(reason, "重新办理的理由", MIN_REASON, MAX_REASON)
    if case["assignee_id"] is None:
        target = Status.DISPATCHED
    finish_due = policy.reopened_finish(now)
    saved = await save(
        conn,
        case,
        now,
        status=target,
        closed_at=None,
        reopened_at=now,
        reopened_count=case["reopened_count"] + 1,
        finish_due=finish_due,
        rating=None,
        rated_at=None,
    )
    await append_event(
        conn,
        case["id"],
        actor,
        EventKind.REOPENED,
        now,
        public=True,
        text=reason,
        data={"finish_due": finish_due.isoformat()},
        resident_id=case["resident_id"],
        notify=resident_texts.reopened(case["number"], finish_due),
    )
    return saved


async def rate(
    conn: AsyncConnection, case: CaseRow, actor: Actor, rating: int, now: datetime, *, department_id: int | None = None
) -> CaseRow:
    """The resident's rating of this handling round: a row of its own, counted whatever happens to the case later
    (a reopening starts a new round, which is rated again). It counts for `department_id` — by default the case's
    department; for a merged case, the department of the case it was handled with."""
    authorize(Action.RATE, facts(case), actor)
    department = case["department_id"] if department_id is None else department_id
    await conn.execute(
        ratings.insert().values(
            case_id=case["id"], round=case["reopened_count"], rating=rating, department_id=department, created_at=now
        )
    )
    saved = await save(conn, case, now, rating=rating, rated_at=now)
    await append_event(conn, case["id"], actor, EventKind.RATED, now, data={"rating": rating})
    return saved


async def add_rating_reason(conn: AsyncConnection, case: CaseRow, actor: Actor, reason: str, now: datetime) -> bool:
    """What the resident says was wrong, on their latest 不满意 of the case (once); staff read it in the history.
    False when there is no such rating still without a reason."""
    authorize(Action.RATE_REASON, facts(case), actor)
    reason = clean_text(reason, "不满意的原因", MIN_REASON, MAX_REASON)
    latest = (
        await conn.execute(
            select(ratings.c.id, ratings.c.rating, ratings.c.reason)
            .where(ratings.c.case_id == case["id"])
            .order_by(ratings.c.round.desc())
            .limit(1)
        )
    ).first()
    if latest is None or latest.rating != int(Rating.DISSATISFIED) or latest.reason is not None:
        return False
    await conn.execute(update(ratings).where(ratings.c.id == latest.id).values(reason=reason))
    await append_event(conn, case["id"], actor, EventKind.RATING_REASON, now, text=reason)
    return True
