"""The scheduler with an injected clock: reminders at 80 % of a deadline, 督办 when it passes, once each; the daily
digest; one leader on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.cases.models import StaffNotice
from bot.cases.scheduler import LEADER_LOCK, Scheduler
from bot.cases.service import CaseService
from knowledge.base import KnowledgeBase
from tests.cases.conftest import People
from tests.support.cases import case_row, event_kinds, file_case, outbox_rows
from tests.support.clock import FakeClock

notices = StaffNotice.__table__
# the fake clock starts on Tuesday 15 Sep 2026, 09:00 UTC = 17:00 in Beijing
SIGN_FOR_DUE = datetime(2026, 9, 16, 16, 0, tzinfo=UTC)  # end of Wednesday 16 Sep, Beijing


@pytest.fixture
def scheduler(engine: AsyncEngine, kb: KnowledgeBase, clock: FakeClock) -> Scheduler:
    return Scheduler(engine, kb.params, clock, digest_hour=8)


async def notice_rows(engine: AsyncEngine) -> list[dict]:
    async with engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(select(notices).order_by(notices.c.id))]


async def test_reminder_at_80_percent_then_escalation_once_each(
    engine: AsyncEngine, scheduler: Scheduler, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    report = await scheduler.tick()
    assert (report.cases_checked, report.reminders, report.escalations) == (1, 0, 0)
    window = SIGN_FOR_DUE - clock()
    remind_at = clock() + window * 0.8
    assert (await case_row(engine, created.number))["alarm_at"] == remind_at

    clock.now = remind_at - timedelta(minutes=1)
    assert (await scheduler.tick()).cases_checked == 0  # nothing due: no case even read
    clock.now = remind_at + timedelta(minutes=1)
    report = await scheduler.tick()
    assert (report.reminders, report.escalations) == (1, 0)
    assert (await scheduler.tick()).reminders == 0

    reminder = [n for n in await notice_rows(engine) if n["kind"] == "reminder"]
    assert len(reminder) == 1 and reminder[0]["staff_user_id"] is None  # unclaimed: the whole department
    assert "签收期限" in reminder[0]["text"] and created.number in reminder[0]["text"]
    telegram = [m for m in await outbox_rows(engine) if m["idempotency_key"].startswith("remind:")]
    assert [(m["channel"], m["user_key"]) for m in telegram] == [("telegram", "9002")]  # comp1 linked Telegram

    clock.now = SIGN_FOR_DUE + timedelta(minutes=1)
    report = await scheduler.tick()
    assert (report.reminders, report.escalations) == (0, 1)
    assert (await scheduler.tick()).escalations == 0
    escalations = [n for n in await notice_rows(engine) if n["kind"] == "escalation"]
    assert {n["staff_user_id"] for n in escalations} == {None, people.supervisor.id}
    assert "督办" in escalations[0]["text"]
    to_supervisor = [m for m in await outbox_rows(engine) if m["idempotency_key"].startswith("escalate:")]
    assert [(m["channel"], m["user_key"]) for m in to_supervisor] == [("telegram", "9001")]
    assert await event_kinds(engine, created.id) == ["created", "dispatched", "reminded", "escalated"]


async def test_claiming_stops_the_sign_for_clock_and_the_assignee_is_reminded(
    engine: AsyncEngine, scheduler: Scheduler, service: CaseService, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    await service.claim(people.comp1, created.id)
    clock.advance(days=13)  # past 80 % of the 15-day 首次答复 limit
    report = await scheduler.tick()
    assert (report.reminders, report.escalations) == (1, 0)
    [reminder] = [n for n in await notice_rows(engine) if n["kind"] == "reminder"]
    assert reminder["staff_user_id"] == people.comp1.id and "首次答复" in reminder["text"]
    assert [n.kind for n in await service.notices(people.comp1)] == ["reminder"]
    await service.reply(people.comp1, created.id, "已收到，正在核实。")
    clock.advance(days=40)
    report = await scheduler.tick()  # notify met; finish reminder (day 48) now due
    assert (report.reminders, report.escalations) == (1, 0)
    await service.extend(people.comp1, created.id, 30, "需要第三方测绘")
    clock.advance(days=10)  # day 63: past the original 60 days, within the extension
    assert (await scheduler.tick()).escalations == 0
    clock.advance(days=30)
    assert (await scheduler.tick()).escalations == 1


async def test_closed_cases_are_left_alone(
    engine: AsyncEngine, scheduler: Scheduler, service: CaseService, people: People, clock: FakeClock
) -> None:
    created = await file_case(engine, clock())
    await service.claim(people.comp1, created.id)
    await service.resolve(people.comp1, created.id, "已办结")
    await scheduler.tick()
    assert (await case_row(engine, created.number))["alarm_at"] is None
    clock.advance(days=100)
    report = await scheduler.tick()
    assert (report.cases_checked, report.reminders, report.escalations) == (0, 0, 0)


async def test_a_scheduler_that_was_down_escalates_without_a_late_reminder(
    engine: AsyncEngine, scheduler: Scheduler, people: People, clock: FakeClock
) -> None:
    await file_case(engine, clock())
    clock.advance(days=100)
    report = await scheduler.tick()
    assert report.reminders == 0 and report.escalations == 3  # sign-for, first reply, finish: all overdue


async def test_daily_digest_once_a_day_after_the_hour(
    engine: AsyncEngine, scheduler: Scheduler, people: People, clock: FakeClock
) -> None:
    await file_case(engine, clock())
    clock.now = datetime(2026, 9, 15, 23, 30, tzinfo=UTC)  # 07:30 on the 16th in Beijing: too early
    assert (await scheduler.tick()).digests == 0
    clock.now = datetime(2026, 9, 16, 0, 30, tzinfo=UTC)  # 08:30 Beijing
    assert (await scheduler.tick()).digests == 1
    assert (await scheduler.tick()).digests == 0
    digests = [n for n in await notice_rows(engine) if n["kind"] == "digest"]
    text = digests[0]["text"]
    assert "县房屋征收补偿办公室：未办结 1 件，其中超期 0 件" in text and "近24小时新登记：1 件" in text
    assert {n["staff_user_id"] for n in digests} == {None, people.supervisor.id}
    clock.advance(days=1)
    assert (await scheduler.tick()).digests == 1


@pytest.mark.postgres
async def test_only_one_scheduler_runs_at_a_time(
    engine: AsyncEngine, scheduler: Scheduler, people: People, clock: FakeClock
) -> None:
    await file_case(engine, clock())
    async with engine.connect() as other_worker:
        assert await other_worker.scalar(select(func.pg_try_advisory_lock(LEADER_LOCK)))
        report = await scheduler.tick()
        assert not report.ran and report.cases_checked == 0
        await other_worker.scalar(select(func.pg_advisory_unlock(LEADER_LOCK)))
        await other_worker.commit()
    assert (await scheduler.tick()).ran


async def test_a_batch_of_slow_visits_lets_the_loop_run_between_them(
    engine: AsyncEngine, kb: KnowledgeBase, people: People, clock: FakeClock
) -> None:
    """The cases a tick visits share a transaction, but the event loop is not held for all of them at once (each
    visit here takes 6 ms of CPU): requests are answered between two visits."""
    for i in range(5):
        await file_case(engine, clock(), description=f"第{i}件")
    loop_turns = 0
    seen: list[int] = []  # the ticker's count when each visit started

    class Slow(Scheduler):
        async def _visit(self, *args: Any, **kwargs: Any) -> None:
            seen.append(loop_turns)
            until = time.perf_counter() + 0.006
            while time.perf_counter() < until:
                pass
            await super()._visit(*args, **kwargs)

    async def ticker() -> None:
        nonlocal loop_turns
        while True:
            loop_turns += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    try:
        report = await Slow(engine, kb.params, clock).tick()
    finally:
        ticking.cancel()
    assert report.cases_checked == 5 and len(seen) == 5
    assert len(set(seen)) == 5  # the loop ran other callbacks before every visit after the first
