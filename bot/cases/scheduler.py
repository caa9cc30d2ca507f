"""The deadline scheduler: reminds owners at 80 % of a deadline, escalates overdue cases to supervisors (督办), and
writes a daily digest for supervisors.

Where it writes: every reminder, escalation and digest is a `staff_notices` row (the dashboard shows them), keyed by
a dedupe key so that a repeated tick — or two workers — never notifies twice; staff with a Telegram id also get it
through the outbox. Reminders and escalations are also internal events in the case's history.

Which cases it looks at: those whose `alarm_at` has come (any change to a case sets it to "now"); after a visit it
is set to the case's next reminder or deadline, or NULL when nothing is pending — so a tick reads only due rows.

On PostgreSQL only one worker runs a tick at a time: `pg_try_advisory_lock` on a dedicated connection; the others
skip that tick. The clock is injected; tests call `tick()` after moving a fake clock, nothing sleeps."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case as sql_case
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases.actors import SYSTEM
from bot.cases.deadlines import DEADLINE_LABELS, Alarm, DeadlinePolicy, alarms
from bot.cases.department_digest import post_digests
from bot.cases.events import EventKind, append_event
from bot.cases.group_posts import PostReason, post_to_group
from bot.cases.models import Case, Department, StaffNotice
from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.vocabulary import OPEN_STATUSES, Role
from bot.cases.workdays import CHINA_TZ, WorkCalendar, format_due
from bot.core.messages import Outbound
from bot.db.base import table_of
from bot.db.upsert import insert_ignore
from bot.outbox.enqueue import enqueue
from bot.robots.posts import case_link, post_to_robots

log = logging.getLogger(__name__)
cases = table_of(Case)
departments = table_of(Department)
notices = table_of(StaffNotice)
staff_users = table_of(StaffUserRow)
# any constant unique to this application: the advisory lock's key
LEADER_LOCK = 0x616E6A75
BATCH = 200
# a batch lets the event loop run other callbacks once it has held it this long: on SQLite its statements run in
# place, and 200 cases to visit (a catch-up after downtime, or a busy morning) held it 30–50 ms
VISIT_SLICE = 0.004


@dataclass
class TickReport:
    ran: bool = True  # False: another worker holds the scheduler lock
    cases_checked: int = 0
    reminders: int = 0
    escalations: int = 0
    digests: int = 0


class Scheduler:
    def __init__(
        self,
        engine: AsyncEngine,
        params: Mapping[str, Any],
        clock: Callable[[], datetime],
        digest_hour: int = 8,
        max_batches: int = 50,
        calendar: WorkCalendar | None = None,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self.policy = DeadlinePolicy.from_params(params, calendar)
        self.digest_hour = digest_hour  # Beijing time
        self.max_batches = max_batches

    async def tick(self, now: datetime | None = None) -> TickReport:
        """Do whatever is due at `now` (default: the clock)."""
        now = now or self._clock()
        if self._engine.dialect.name != "postgresql":
            return await self._run(now)
        async with self._engine.connect() as lock_conn:
            if not await lock_conn.scalar(select(func.pg_try_advisory_lock(LEADER_LOCK))):
                await lock_conn.rollback()
                return TickReport(ran=False)
            try:
                return await self._run(now)
            finally:
                await lock_conn.execute(select(func.pg_advisory_unlock(LEADER_LOCK)))
                await lock_conn.commit()

    async def _run(self, now: datetime) -> TickReport:
        report = TickReport()
        for _ in range(self.max_batches):
            if not await self._anything_due(now):  # read first: an idle tick takes no write lock (SQLite)
                break
            async with self._engine.begin() as conn:
                rows = (
                    await conn.execute(
                        select(cases)
                        .where(cases.c.alarm_at <= now)
                        .order_by(cases.c.alarm_at)
                        .limit(BATCH)
                        .with_for_update(skip_locked=True)
                    )
                ).all()
                held_since = time.perf_counter()
                for row in rows:
                    if time.perf_counter() - held_since >= VISIT_SLICE:
                        await asyncio.sleep(0)  # the loop's other callbacks, then the next case (same transaction)
                        held_since = time.perf_counter()
                    await self._visit(conn, dict(row._mapping), now, report)
            report.cases_checked += len(rows)
            if len(rows) < BATCH:
                break
        await self._digest(now, report)
        return report

    async def _anything_due(self, now: datetime) -> bool:
        async with self._engine.connect() as conn:
            return await conn.scalar(select(cases.c.id).where(cases.c.alarm_at <= now).limit(1)) is not None

    async def _visit(self, conn: AsyncConnection, case: dict[str, Any], now: datetime, report: TickReport) -> None:
        """Fire the case's due reminders and escalations, then set its next alarm."""
        future: list[datetime] = []
        if case["status"] in OPEN_STATUSES:
            for alarm in alarms(case, self.policy.reminder_share):
                if alarm.at > now:
                    future.append(alarm.at)
                elif alarm.kind == "reminder" and alarm.due > now:
                    report.reminders += await self._remind(conn, case, alarm, now)
                elif alarm.kind == "escalation":
                    report.escalations += await self._escalate(conn, case, alarm, now)
        await conn.execute(update(cases).where(cases.c.id == case["id"]).values(alarm_at=min(future, default=None)))

    async def _remind(self, conn: AsyncConnection, case: Mapping[str, Any], alarm: Alarm, now: datetime) -> int:
        """Tell the owner (the assignee, or the whole department while unclaimed)."""
        key = f"remind:{case['id']}:{alarm.deadline}:{alarm.due.isoformat()}"
        label = DEADLINE_LABELS[alarm.deadline]
        body = f"提醒：案件 {case['number']} 的{label}期限是{format_due(alarm.due)}，请抓紧办理。"
        recipients = (
            [case["assignee_id"]]
            if case["assignee_id"] is not None
            else await self._department_staff(conn, case["department_id"])
        )
        if not await self._notice(
            conn,
            key,
            "reminder",
            body,
            now,
            case_id=case["id"],
            staff_id=case["assignee_id"],
            department_id=case["department_id"],
        ):
            return 0
        await append_event(
            conn,
            case["id"],
            SYSTEM,
            EventKind.REMINDED,
            now,
            text=body,
            data={"deadline": alarm.deadline, "due": alarm.due.isoformat()},
        )
        await self._telegram(conn, recipients, key, body, now)
        await post_to_robots(
            conn, case["department_id"], key, Outbound(body, links=(case_link(case["number"]),)), now
        )  # the department's WeCom / DingTalk robots
        return 1

    async def _escalate(self, conn: AsyncConnection, case: Mapping[str, Any], alarm: Alarm, now: datetime) -> int:
        """督办: the deadline has passed — every supervisor is told, and so is the owner."""
        key = f"escalate:{case['id']}:{alarm.deadline}:{alarm.due.isoformat()}"
        label = DEADLINE_LABELS[alarm.deadline]
        body = f"督办：案件 {case['number']} 已超过{label}期限（{format_due(alarm.due)}），请尽快办理并说明原因。"
        if not await self._notice(
            conn,
            key,
            "escalation",
            body,
            now,
            case_id=case["id"],
            staff_id=case["assignee_id"],
            department_id=case["department_id"],
        ):
            return 0
        await append_event(
            conn,
            case["id"],
            SYSTEM,
            EventKind.ESCALATED,
            now,
            text=body,
            data={"deadline": alarm.deadline, "due": alarm.due.isoformat()},
        )
        supervisors = await self._supervisors(conn)
        for staff_id in supervisors:
            await self._notice(
                conn, f"{key}:to:{staff_id}", "escalation", body, now, case_id=case["id"], staff_id=staff_id
            )
        await self._telegram(conn, supervisors, key, body, now)
        await post_to_group(conn, case["id"], PostReason.OVERDUE, now, key=key)  # the department's group
        return 1

    async def _digest(self, now: datetime, report: TickReport) -> None:
        """Once a day after `digest_hour`: open and overdue cases per department, to every supervisor."""
        local = now.astimezone(CHINA_TZ)
        if local.hour < self.digest_hour:
            return
        day_key = local.date().isoformat()
        done = select(func.count()).select_from(notices).where(notices.c.dedupe_key == f"digest:{day_key}")
        async with self._engine.connect() as conn:
            if await conn.scalar(done):
                return
        async with self._engine.begin() as conn:
            if await conn.scalar(done):  # another worker, just now
                return
            supervisors = await self._supervisors(conn)
            body = await self._digest_text(conn, now)
            await self._notice(conn, f"digest:{day_key}", "digest", body, now)
            for staff_id in supervisors:
                await self._notice(conn, f"digest:{day_key}:to:{staff_id}", "digest", body, now, staff_id=staff_id)
            await self._telegram(conn, supervisors, f"digest:{day_key}", body, now)
            await post_digests(conn, day_key, body.splitlines()[0], now)  # each department's robots: its own line
            report.digests += 1

    async def _digest_text(self, conn: AsyncConnection, now: datetime) -> str:
        open_statuses = [s.value for s in OPEN_STATUSES]
        overdue = func.sum(sql_case((cases.c.next_due < now, 1), else_=0))
        rows = (
            await conn.execute(
                select(departments.c.name, func.count(cases.c.id), overdue)
                .select_from(cases)
                .outerjoin(departments, departments.c.id == cases.c.department_id)
                .where(cases.c.status.in_(open_statuses))
                .group_by(departments.c.name)
                .order_by(departments.c.name)
            )
        ).all()
        new = await conn.scalar(
            select(func.count()).select_from(cases).where(cases.c.created_at >= now - timedelta(days=1))
        )
        local = now.astimezone(CHINA_TZ)
        lines = [f"安居助手每日汇总（{local.year}年{local.month}月{local.day}日）", f"近24小时新登记：{new or 0} 件"]
        if not rows:
            lines.append("目前没有未办结的案件。")
        for name, open_count, overdue_count in rows:
            lines.append(f"{name or '未分派'}：未办结 {open_count} 件，其中超期 {int(overdue_count or 0)} 件")
        return "\n".join(lines)

    # -- recipients ----------------------------------------------------------------------------------------------

    async def _notice(
        self,
        conn: AsyncConnection,
        key: str,
        kind: str,
        body: str,
        now: datetime,
        *,
        case_id: int | None = None,
        staff_id: int | None = None,
        department_id: int | None = None,
    ) -> bool:
        return await insert_ignore(
            conn,
            notices,
            {
                "dedupe_key": key,
                "kind": kind,
                "staff_user_id": staff_id,
                "department_id": department_id,
                "case_id": case_id,
                "text": body,
                "created_at": now,
            },
            ("dedupe_key",),
        )

    async def _supervisors(self, conn: AsyncConnection) -> list[int]:
        rows = await conn.execute(
            select(staff_users.c.id).where(staff_users.c.role == Role.SUPERVISOR, staff_users.c.active.is_(True))
        )
        return [r.id for r in rows]

    async def _department_staff(self, conn: AsyncConnection, department_id: int | None) -> list[int]:
        if department_id is None:
            return []
        rows = await conn.execute(
            select(staff_users.c.id).where(staff_users.c.department_id == department_id, staff_users.c.active.is_(True))
        )
        return [r.id for r in rows]

    async def _telegram(self, conn: AsyncConnection, staff_ids: list[int], key: str, body: str, now: datetime) -> None:
        """Staff who linked a Telegram account also get the notice there."""
        if not staff_ids:
            return
        rows = await conn.execute(
            select(staff_users.c.id, staff_users.c.telegram_user_id).where(
                staff_users.c.id.in_(staff_ids), staff_users.c.telegram_user_id.is_not(None)
            )
        )
        for staff_id, telegram_id in rows:
            await enqueue(
                conn,
                key=f"{key}:telegram:{staff_id}",
                channel="telegram",
                user_key=str(telegram_id),
                message=Outbound(body),
                now=now,
            )
