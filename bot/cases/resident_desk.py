"""The dialogue core's side of cases: file a confirmed form, read cases for 查进度, take a rating — always for one
resident, inside the transaction of the message being handled (so a case number shown is a case committed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases import handling, lookups
from bot.cases.actors import ResidentActor
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.errors import InvalidInput
from bot.cases.events import EventKind, append_event
from bot.cases.intake import NewCase, create_case
from bot.cases.intake_limit import over_limit
from bot.cases.models import Case, CaseEvent, Department
from bot.cases.numbers import parse_case_number
from bot.cases.phones import normalise_phone
from bot.cases.routing import complaint_units
from bot.cases.vocabulary import OPEN_STATUSES, CaseType, Category, DepartmentKind, Rating, Status
from bot.cases.workdays import WorkCalendar
from bot.core.port import (
    AttachToCase,
    CaseReceipt,
    CaseSummary,
    CreateCase,
    ExplainRating,
    PhoneLookup,
    RateCase,
    RatingResult,
)
from bot.db.base import table_of
from bot.db.models import Resident
from bot.outbox.enqueue import OutboxStatus, outbox

cases = table_of(Case)
events = table_of(CaseEvent)
departments = table_of(Department)
residents = table_of(Resident)
# 最新答复 in 查进度: what staff answered the resident (a reply, the result of 办结) — never the reason of an
# extension or of a reopening, nor the 已受理 notice
REPLY_KINDS = (EventKind.REPLIED, EventKind.RESOLVED)
MAX_CASE_ATTACHMENTS = 20  # photos one case keeps (5 with the form, more sent while it is open)


async def handled_by(conn: AsyncConnection, case: handling.CaseRow) -> handling.CaseRow | None:
    """The closed case whose handling `case`'s resident rates: the case itself, or — for a case merged into another —
    that case once it is closed; None while the handling goes on."""
    if case["status"] == Status.CLOSED:
        return case
    if case["status"] == Status.MERGED and case["merged_into_id"] is not None:
        main = await handling.load_case(conn, case_id=case["merged_into_id"])
        if main is not None and main["status"] == Status.CLOSED:
            return main
    return None


class ResidentDesk:
    def __init__(self, params: Mapping[str, Any], calendar: WorkCalendar | None = None, cases_per_day: int = 0) -> None:
        self.policy = DeadlinePolicy.from_params(params, calendar)
        self.cases_per_day = cases_per_day  # 0: no limit (bot/cases/intake_limit.py)

    def reader(self, conn: AsyncConnection, resident_id: int) -> ResidentCases:
        return ResidentCases(conn, resident_id)

    async def file(self, conn: AsyncConnection, resident_id: int, effect: CreateCase, now: datetime) -> CaseReceipt:
        if await over_limit(conn, resident_id, effect.intake_key, now, self.cases_per_day):
            return CaseReceipt("", False, False, None, None, None, daily_limit=self.cases_per_day)
        channel = await conn.scalar(select(residents.c.channel).where(residents.c.id == resident_id))
        spec = NewCase(
            type=CaseType(effect.type),
            category=effect.category,
            district=effect.district,
            channel=channel or "",
            address=effect.address,
            description=effect.description,
            wish=effect.wish,
            phone=effect.phone,
            anonymous=effect.anonymous,
            details=dict(effect.details),
            named_unit=effect.named_unit,
            resident_id=resident_id,
            intake_key=effect.intake_key,
        )
        created = await create_case(conn, spec, now, self.policy)
        return CaseReceipt(
            created.number,
            created.created,
            created.urgent,
            created.department_name,
            created.notify_due,
            created.finish_due,
        )

    async def attach(self, conn: AsyncConnection, resident_id: int, effect: AttachToCase, now: datetime) -> bool:
        """Add a photo to the resident's own open case (its details and, as 补充材料, its history); False when the
        case is not theirs, no longer open, or holds the most photos a case keeps."""
        case = await handling.load_case(conn, number=parse_case_number(effect.number) or "", lock=True)
        if case is None or case["resident_id"] != resident_id or case["status"] not in OPEN_STATUSES:
            return False
        details = dict(case["details"] or {})
        files = list(details.get("attachments") or [])
        if len(files) >= MAX_CASE_ATTACHMENTS:
            return False
        details["attachments"] = [*files, dict(effect.attachment)]
        await conn.execute(update(cases).where(cases.c.id == case["id"]).values(details=details))
        await append_event(
            conn,
            case["id"],
            ResidentActor(resident_id),
            EventKind.ATTACHED,
            now,
            text="居民补充了 1 张图片",
            data={"attachment": effect.attachment.get("attachment_id", "")},
        )
        return True

    async def rate(self, conn: AsyncConnection, resident_id: int, effect: RateCase, now: datetime) -> RatingResult:
        """Record the rating; 不满意 reopens the case once, within `reopen_within_days` of its closure — after that
        the resident is told about 复查."""
        number = parse_case_number(effect.number) or ""
        case = await handling.load_case(conn, number=number, lock=True)
        if case is None or case["resident_id"] != resident_id:
            return RatingResult(effect.number, "not_found")
        rated = await handled_by(conn, case)
        if rated is None:
            return RatingResult(number, "not_closed")
        if case["rating"] is not None:
            return RatingResult(number, "already_rated")
        try:
            rating = Rating(effect.rating)
        except ValueError:
            return RatingResult(number, "not_found")
        actor = ResidentActor(resident_id)
        case = await handling.rate(conn, case, actor, int(rating.value), now, department_id=rated["department_id"])
        if rating is not Rating.DISSATISFIED:
            return RatingResult(number, "rated")
        if case["status"] == Status.MERGED:  # handled as part of another resident's case: 复查, not a reopening
            return RatingResult(number, "review")
        in_time = case["closed_at"] is not None and now - case["closed_at"] <= timedelta(
            days=self.policy.reopen_within_days
        )
        if case["reopened_count"] > 0 or not in_time:
            return RatingResult(number, "review")
        case = await handling.reopen(conn, case, actor, "居民对办理结果不满意", now, self.policy)
        return RatingResult(number, "reopened", case["finish_due"])

    async def explain_rating(
        self, conn: AsyncConnection, resident_id: int, effect: ExplainRating, now: datetime
    ) -> bool:
        """The reason for the resident's latest 不满意 on their case, kept with that rating and in its history."""
        number = parse_case_number(effect.number) or ""
        case = await handling.load_case(conn, number=number, lock=True)
        if case is None or case["resident_id"] != resident_id:
            return False
        try:
            return await handling.add_rating_reason(conn, case, ResidentActor(resident_id), effect.reason, now)
        except InvalidInput:
            return False


class ResidentCases:
    """CaseReader (bot/core/port.py) bound to one resident and one transaction."""

    def __init__(self, conn: AsyncConnection, resident_id: int) -> None:
        self._conn = conn
        self._resident_id = resident_id

    async def for_resident(self, limit: int = 5) -> list[CaseSummary]:
        rows = await self._conn.execute(
            select(cases).where(cases.c.resident_id == self._resident_id).order_by(cases.c.id.desc()).limit(limit)
        )
        return [await self._summary(row._mapping) for row in rows.all()]

    async def by_number(self, number: str) -> CaseSummary | None:
        canonical = parse_case_number(number)
        if canonical is None:
            return None
        row = (
            await self._conn.execute(
                select(cases).where(cases.c.number == canonical, cases.c.resident_id == self._resident_id)
            )
        ).first()
        return await self._summary(row._mapping) if row is not None else None

    async def by_phone(self, number: str, phone: str, now: datetime, client: str | None = None) -> PhoneLookup:
        """Counted first (bot/cases/lookups.py), then read: the same None for no such case, a wrong phone and a
        staff-conduct complaint, which is shown only in the chat it was filed from (by_number)."""
        canonical, given = parse_case_number(number), normalise_phone(phone)
        if canonical is None or given is None:
            return PhoneLookup(None)
        keys = lookups.lookup_keys(self._resident_id, canonical, given, client)
        if not await lookups.claim(self._conn, keys, now):
            return PhoneLookup(None, limited=True)
        row = (
            await self._conn.execute(
                select(cases).where(
                    cases.c.number == canonical,
                    cases.c.phone == given,
                    cases.c.category != Category.STAFF_CONDUCT.value,
                    or_(
                        cases.c.department_id.is_(None),
                        cases.c.department_id.not_in(
                            select(departments.c.id).where(departments.c.kind == DepartmentKind.DISCIPLINE.value)
                        ),
                    ),
                )
            )
        ).first()
        if row is None:
            return PhoneLookup(None)
        await lookups.refund(self._conn, keys, now)
        return PhoneLookup(await self._summary(row._mapping))

    async def complaint_units(self) -> list[tuple[str, str]]:
        return await complaint_units(self._conn)

    async def _summary(self, case: handling.CaseRow) -> CaseSummary:
        latest = (
            await self._conn.execute(
                select(events.c.text, events.c.created_at)
                .where(
                    and_(
                        events.c.case_id == case["id"],
                        events.c.public.is_(True),
                        events.c.text != "",
                        events.c.kind.in_([k.value for k in REPLY_KINDS]),
                    )
                )
                .order_by(events.c.id.desc())
                .limit(1)
            )
        ).first()
        # notices about this case that the resident's channel refused (WeChat: 48 hours without a message from them),
        # and why, where the channel said in words the resident understands (not subscribed to the notice …)
        refused = (
            await self._conn.execute(
                select(outbox.c.resident_reason).where(
                    outbox.c.resident_id == self._resident_id,
                    outbox.c.status == OutboxStatus.UNDELIVERABLE,
                    outbox.c.idempotency_key.in_(
                        select(literal("case-event:") + cast(events.c.id, String)).where(events.c.case_id == case["id"])
                    ),
                )
            )
        ).all()
        reasons = tuple(dict.fromkeys(r.resident_reason or "" for r in refused))  # "": the channel gave none
        return CaseSummary(
            number=case["number"],
            type=case["type"],
            category=case["category"],
            status=case["status"],
            created_at=case["created_at"],
            next_due=case["next_due"],
            latest_reply=latest.text if latest else None,
            latest_reply_at=latest.created_at if latest else None,
            can_rate=case["rating"] is None and await handled_by(self._conn, case) is not None,
            undelivered=len(refused),
            undelivered_reasons=reasons,
        )
