"""The dialogue core's side of cases: file a confirmed form, read cases for 查进度, take a rating — always for one
resident, inside the transaction of the message being handled (so a case number shown is a case committed)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, and_, cast, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases import handling
from bot.cases.actors import ResidentActor
from bot.cases.deadlines import DeadlinePolicy
from bot.cases.events import EventKind
from bot.cases.intake import NewCase, create_case
from bot.cases.intake_limit import over_limit
from bot.cases.models import Case, CaseEvent
from bot.cases.numbers import parse_case_number
from bot.cases.phones import normalise_phone
from bot.cases.routing import complaint_units
from bot.cases.vocabulary import CaseType, Rating, Status
from bot.db.models import Resident
from bot.outbox.enqueue import OutboxStatus, outbox
from handlers.turn import CaseReceipt, CaseSummary, CreateCase, RateCase, RatingResult

cases = Case.__table__
events = CaseEvent.__table__
residents = Resident.__table__
REPLY_KINDS = (EventKind.REPLIED, EventKind.RESOLVED, EventKind.EXTENDED, EventKind.CLAIMED, EventKind.REOPENED,
               EventKind.MERGED)


class ResidentDesk:
    def __init__(self, params: Mapping[str, Any], cases_per_day: int = 0) -> None:
        self.policy = DeadlinePolicy.from_params(params)
        self.cases_per_day = cases_per_day  # 0: no limit (bot/cases/intake_limit.py)

    def reader(self, conn: AsyncConnection, resident_id: int) -> ResidentCases:
        return ResidentCases(conn, resident_id)

    async def file(self, conn: AsyncConnection, resident_id: int, effect: CreateCase, now: datetime) -> CaseReceipt:
        if await over_limit(conn, resident_id, effect.intake_key, now, self.cases_per_day):
            return CaseReceipt("", False, False, None, None, None, daily_limit=self.cases_per_day)
        channel = await conn.scalar(select(residents.c.channel).where(residents.c.id == resident_id))
        spec = NewCase(
            type=CaseType(effect.type), category=effect.category, district=effect.district, channel=channel or "",
            address=effect.address, description=effect.description, wish=effect.wish, phone=effect.phone,
            anonymous=effect.anonymous, details=dict(effect.details), named_unit=effect.named_unit,
            resident_id=resident_id, intake_key=effect.intake_key,
        )
        created = await create_case(conn, spec, now, self.policy)
        return CaseReceipt(created.number, created.created, created.urgent, created.department_name,
                           created.notify_due, created.finish_due)

    async def rate(self, conn: AsyncConnection, resident_id: int, effect: RateCase, now: datetime) -> RatingResult:
        """Record the rating; 不满意 reopens the case once, within `reopen_within_days` of its closure — after that
        the resident is told about 复查."""
        number = parse_case_number(effect.number) or ""
        case = await handling.load_case(conn, number=number, lock=True)
        if case is None or case["resident_id"] != resident_id:
            return RatingResult(effect.number, "not_found")
        if case["status"] != Status.CLOSED:
            return RatingResult(number, "not_closed")
        if case["rating"] is not None:
            return RatingResult(number, "already_rated")
        try:
            rating = Rating(effect.rating)
        except ValueError:
            return RatingResult(number, "not_found")
        actor = ResidentActor(resident_id)
        case = await handling.rate(conn, case, actor, int(rating.value), now)
        if rating is not Rating.DISSATISFIED:
            return RatingResult(number, "rated")
        in_time = case["closed_at"] is not None and now - case["closed_at"] <= timedelta(
            days=self.policy.reopen_within_days)
        if case["reopened_count"] > 0 or not in_time:
            return RatingResult(number, "review")
        case = await handling.reopen(conn, case, actor, "居民对办理结果不满意", now, self.policy)
        return RatingResult(number, "reopened", case["finish_due"])


class ResidentCases:
    """CaseReader (handlers/turn.py) bound to one resident and one transaction."""

    def __init__(self, conn: AsyncConnection, resident_id: int) -> None:
        self._conn = conn
        self._resident_id = resident_id

    async def for_resident(self, limit: int = 5) -> list[CaseSummary]:
        rows = await self._conn.execute(
            select(cases).where(cases.c.resident_id == self._resident_id).order_by(cases.c.id.desc()).limit(limit)
        )
        return [await self._summary(row._mapping) for row in rows.all()]

    async def by_number(self, number: str, phone: str | None = None) -> CaseSummary | None:
        canonical = parse_case_number(number)
        if canonical is None:
            return None
        row = (await self._conn.execute(select(cases).where(cases.c.number == canonical))).first()
        if row is None:
            return None
        case = row._mapping
        if case["resident_id"] == self._resident_id:
            return await self._summary(case)
        given = normalise_phone(phone or "")
        if given is not None and case["phone"] is not None and given == case["phone"]:
            return await self._summary(case)
        return None

    async def complaint_units(self) -> list[tuple[str, str]]:
        return await complaint_units(self._conn)

    async def _summary(self, case: Mapping[str, Any]) -> CaseSummary:
        latest = (await self._conn.execute(
            select(events.c.text, events.c.created_at)
            .where(and_(events.c.case_id == case["id"], events.c.public.is_(True), events.c.text != "",
                        events.c.kind.in_([k.value for k in REPLY_KINDS])))
            .order_by(events.c.id.desc()).limit(1)
        )).first()
        # notices about this case that the resident's channel refused (WeChat: 48 hours without a message from them)
        undelivered = await self._conn.scalar(
            select(func.count()).select_from(outbox).where(
                outbox.c.resident_id == self._resident_id, outbox.c.status == OutboxStatus.UNDELIVERABLE,
                outbox.c.idempotency_key.in_(
                    select(literal("case-event:") + cast(events.c.id, String)).where(events.c.case_id == case["id"])
                ),
            )
        )
        return CaseSummary(
            number=case["number"], type=case["type"], category=case["category"], status=case["status"],
            created_at=case["created_at"], next_due=case["next_due"],
            latest_reply=latest.text if latest else None, latest_reply_at=latest.created_at if latest else None,
            can_rate=case["status"] == Status.CLOSED and case["rating"] is None, undelivered=undelivered or 0,
        )
