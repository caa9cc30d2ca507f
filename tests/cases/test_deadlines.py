"""Deadline arithmetic: China's official working days (2026 Mid-autumn and National Day), calendar-day limits,
urgent hours, per-type deadlines, and the reminder / escalation moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.cases.deadlines import Deadline, DeadlinePolicy, alarms, next_due, pending_deadlines
from bot.cases.workdays import (
    CHINA_TZ,
    Notice,
    WorkCalendar,
    after_days,
    after_working_days,
    format_due,
    is_working_day,
    local_day,
)


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ)


def end_of_beijing_day(year: int, month: int, day: int) -> datetime:
    return (beijing(year, month, day) + timedelta(days=1)).astimezone(UTC)


@pytest.mark.parametrize(
    ("filed", "due_day"),
    [
        (beijing(2026, 9, 30, 10, 0), (2026, 10, 8)),  # the day before National Day: after the 7-day holiday
        (beijing(2026, 9, 30, 23, 59), (2026, 10, 8)),
        (beijing(2026, 10, 3, 9, 0), (2026, 10, 8)),  # filed during the holiday
        (beijing(2026, 9, 24, 15, 0), (2026, 9, 28)),  # Thursday before Mid-autumn (25–27 Sep)
        (beijing(2026, 9, 19, 11, 0), (2026, 9, 20)),  # Saturday: Sunday 20 Sep is an adjusted working day
        (beijing(2026, 10, 9, 11, 0), (2026, 10, 10)),  # Friday: Saturday 10 Oct is an adjusted working day
        (beijing(2026, 9, 15, 1, 0), (2026, 9, 16)),  # an ordinary Tuesday
    ],
)
def test_one_working_day_follows_the_official_calendar(filed: datetime, due_day: tuple[int, int, int]) -> None:
    assert after_working_days(filed.astimezone(UTC), 1) == end_of_beijing_day(*due_day)


def test_utc_time_is_counted_in_beijing_days() -> None:
    # 20:00 UTC on 30 Sep is already 1 Oct in Beijing (a holiday)
    assert after_working_days(datetime(2026, 9, 30, 20, 0, tzinfo=UTC), 1) == end_of_beijing_day(2026, 10, 8)


def test_several_working_days_across_national_day() -> None:
    assert after_working_days(beijing(2026, 9, 29, 9, 0), 3) == end_of_beijing_day(2026, 10, 9)
    assert [d for d in range(1, 11) if is_working_day(beijing(2026, 10, d).date())] == [8, 9, 10]


def test_a_year_without_official_data_counts_monday_to_friday() -> None:
    friday = beijing(2030, 1, 4, 10, 0)
    assert after_working_days(friday, 1) == end_of_beijing_day(2030, 1, 7)


def test_calendar_day_limits_end_at_midnight_beijing_time() -> None:
    filed = beijing(2026, 9, 15, 17, 0)
    assert after_days(filed, 15) == end_of_beijing_day(2026, 9, 30)
    assert after_days(filed, 60) == end_of_beijing_day(2026, 11, 16)  # day 60 is Saturday 14 Nov: the Monday after


def test_complaint_assistance_inquiry_and_urgent_deadlines() -> None:
    policy = DeadlinePolicy()
    filed = beijing(2026, 9, 30, 10, 0).astimezone(UTC)
    complaint = policy.initial("complaint", False, filed)
    assert complaint.sign_for_due == end_of_beijing_day(2026, 10, 8)
    assert complaint.notify_due == end_of_beijing_day(2026, 10, 15)
    assert complaint.finish_due == end_of_beijing_day(2026, 11, 30)  # day 60 is Sunday 29 Nov: the Monday after
    assistance = policy.initial("assistance", False, filed)
    assert assistance.notify_due == end_of_beijing_day(2026, 10, 8)
    assert assistance.finish_due == end_of_beijing_day(2026, 10, 15)
    inquiry = policy.initial("inquiry", False, filed)
    assert inquiry.notify_due == end_of_beijing_day(2026, 10, 8)
    urgent = policy.initial("complaint", True, filed)
    assert urgent.sign_for_due == filed + timedelta(hours=4) == urgent.notify_due
    assert urgent.finish_due == complaint.finish_due


def test_policy_reads_the_parameter_file(kb) -> None:  # noqa: ANN001
    policy = DeadlinePolicy.from_params(kb.params)
    assert (
        policy.sign_for_working_days,
        policy.notify_days,
        policy.finish_days,
        policy.max_extension_days,
        policy.urgent_hours,
        policy.reminder_share,
    ) == (1, 15, 60, 30, 4, 0.8)
    assert DeadlinePolicy.from_params({"deadlines": {"finish_days": 45}}).finish_days == 45
    assert DeadlinePolicy.from_params({}).finish_days == 60


def test_due_dates_read_naturally() -> None:
    assert format_due(end_of_beijing_day(2026, 10, 8)) == "2026年10月8日（星期四）"
    assert format_due(beijing(2026, 9, 15, 13, 0)) == "2026年9月15日 13:00"


def _case(**overrides: object) -> dict:
    created = datetime(2026, 9, 15, 1, 0, tzinfo=UTC)
    base = {
        "status": "dispatched",
        "created_at": created,
        "dispatched_at": created,
        "first_reply_at": None,
        "reopened_at": None,
        "sign_for_due": created + timedelta(days=1),
        "notify_due": created + timedelta(days=15),
        "finish_due": created + timedelta(days=60),
    }
    return {**base, **overrides}


def test_pending_deadlines_follow_the_status() -> None:
    created = _case()["created_at"]
    assert [d for d, _, _ in pending_deadlines(_case())] == [Deadline.SIGN_FOR, Deadline.NOTIFY, Deadline.FINISH]
    assert [d for d, _, _ in pending_deadlines(_case(status="accepted"))] == [Deadline.NOTIFY, Deadline.FINISH]
    assert [d for d, _, _ in pending_deadlines(_case(status="replied", first_reply_at=created))] == [Deadline.FINISH]
    assert pending_deadlines(_case(status="closed")) == [] and pending_deadlines(_case(status="merged")) == []
    assert next_due(_case()) == created + timedelta(days=1)
    assert next_due(_case(status="closed")) is None


def test_reminders_at_80_percent_and_escalation_at_the_deadline() -> None:
    case = _case(status="accepted")
    found = {(a.kind, a.deadline): a.at - case["created_at"] for a in alarms(case, 0.8)}
    assert found == {
        ("reminder", Deadline.NOTIFY): timedelta(days=12),
        ("escalation", Deadline.NOTIFY): timedelta(days=15),
        ("reminder", Deadline.FINISH): timedelta(days=48),
        ("escalation", Deadline.FINISH): timedelta(days=60),
    }


def test_a_calendar_day_limit_ending_on_a_day_off_ends_on_the_next_working_day() -> None:
    """Issue 9 point 12: a case reopened on 2 December 2026 was due on 1 January 2027, New Year's Day. The calendar is
    injected: the installed holiday data may not cover 2027 yet (there, only weekends are days off)."""

    # a test calendar: the county's file for 2027 has New Year's Day off (fictional, for the test only)
    calendar = WorkCalendar(
        {
            2027: Notice(
                year=2027,
                notice="测试用通知",
                document="test",
                published=None,
                url="",
                holidays={date(2027, 1, 1): "元旦"},
            )
        }
    )

    policy = DeadlinePolicy(calendar=calendar)
    reopened = beijing(2026, 12, 2, 10, 0).astimezone(UTC)
    assert policy.reopened_finish(reopened) == end_of_beijing_day(2027, 1, 4)  # Friday 1 Jan off, then a weekend
    assert policy.reopened_finish(beijing(2026, 12, 1, 10, 0)) == end_of_beijing_day(2026, 12, 31)
    assert DeadlinePolicy.from_params({}, calendar=calendar).reopened_finish(reopened) == end_of_beijing_day(2027, 1, 4)


def test_every_calendar_day_limit_ends_on_a_working_day_of_the_official_calendar() -> None:
    policy = DeadlinePolicy()
    # 60 days after 2 August 2026 is 1 October (National Day): the first working day after the holiday
    assert policy.initial("complaint", False, beijing(2026, 8, 2, 10, 0)).finish_due == end_of_beijing_day(2026, 10, 8)
    # 15 days after 11 September is Saturday 26 September (Mid-autumn): Monday 28 September
    assert policy.initial("complaint", False, beijing(2026, 9, 11, 10, 0)).notify_due == end_of_beijing_day(2026, 9, 28)
    # an extension counts from the deadline's own day: 8 days after 22 September is 30 September, a working day;
    # 9 days after is 1 October: 8 October
    due = end_of_beijing_day(2026, 9, 22)
    assert policy.extended_finish(due, 8) == end_of_beijing_day(2026, 9, 30)
    assert policy.extended_finish(due, 9) == end_of_beijing_day(2026, 10, 8)
    assert is_working_day(local_day(policy.reopened_finish(beijing(2026, 12, 4, 12, 0))))
