"""Deadlines of a case, from the `deadlines` section of the parameter file.

Three clocks run on every case:
- 签收 (sign_for): someone in the department takes the case — 1 working day (urgent: 4 hours); restarts when the
  case is dispatched again (transfer, 退单);
- 首次答复 (notify): the resident hears from a person — complaints 15 days (信访工作条例), help requests and
  inquiries 1 working day (urgent: 4 hours);
- 办结 (finish): complaints 60 days (+ at most 30 by extension), help requests and inquiries 15 days; a case
  reopened after 不满意 gets `review_decision_days` from the reopening.

A limit counted in calendar days that ends on a weekend or a public holiday ends instead at the end of the next
working day (a reopened case due on New Year's Day is due on the first working day after it): nobody is at work to
meet it, nor to receive the resident, on a day off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.cases.vocabulary import OPEN_STATUSES, UNCLAIMED_STATUSES, CaseType
from bot.cases.workdays import WorkCalendar, due_day, shipped_calendar


class Deadline(StrEnum):
    SIGN_FOR = "sign_for"
    NOTIFY = "notify"
    FINISH = "finish"


DEADLINE_LABELS = {Deadline.SIGN_FOR: "签收", Deadline.NOTIFY: "首次答复", Deadline.FINISH: "办结"}


@dataclass(frozen=True)
class Deadlines:
    sign_for_due: datetime
    notify_due: datetime
    finish_due: datetime


@dataclass(frozen=True)
class DeadlinePolicy:
    sign_for_working_days: int = 1
    notify_days: int = 15
    finish_days: int = 60
    max_extension_days: int = 30
    review_decision_days: int = 30
    assistance_contact_working_days: int = 1
    assistance_finish_days: int = 15
    inquiry_reply_working_days: int = 1
    inquiry_finish_days: int = 15
    urgent_hours: int = 4
    reminder_share: float = 0.8
    reopen_within_days: int = 30
    # the working-day calendar (the county's holiday file: bot/cases/workdays.py)
    calendar: WorkCalendar = field(default_factory=shipped_calendar, compare=False, repr=False)

    @classmethod
    def from_params(cls, params: Mapping[str, Any], calendar: WorkCalendar | None = None) -> DeadlinePolicy:
        """The policy from the whole parameter file (its `deadlines` section); missing keys keep the defaults."""
        section = params.get("deadlines") or {}
        known = {k: section[k] for k in cls.__dataclass_fields__ if k in section and k != "calendar"}
        return cls(**known, calendar=calendar or shipped_calendar())

    def after_days(self, start: datetime, n: int) -> datetime:
        """The end of the n-th calendar day after the day of `start` (the 信访 15-day and 60-day limits) — or of the
        first working day after it, when that day is a weekend or a public holiday."""
        return self.calendar.after_days(start, n)

    def extended_finish(self, finish_due: datetime, days: int) -> datetime:
        """The 办结 deadline `finish_due` extended by `days` calendar days (then to a working day)."""
        return self.calendar.after_days_from(due_day(finish_due), days)

    def initial(self, case_type: str, urgent: bool, now: datetime) -> Deadlines:
        """The three deadlines of a case filed at `now`."""
        after_working_days = self.calendar.after_working_days
        if case_type == CaseType.ASSISTANCE:
            notify = after_working_days(now, self.assistance_contact_working_days)
            finish = self.after_days(now, self.assistance_finish_days)
        elif case_type == CaseType.INQUIRY:
            notify = after_working_days(now, self.inquiry_reply_working_days)
            finish = self.after_days(now, self.inquiry_finish_days)
        else:
            notify = self.after_days(now, self.notify_days)
            finish = self.after_days(now, self.finish_days)
        if urgent:
            notify = min(notify, now + timedelta(hours=self.urgent_hours))
        return Deadlines(self.sign_for(urgent, now), notify, finish)

    def sign_for(self, urgent: bool, now: datetime) -> datetime:
        """When a case dispatched at `now` must be signed for."""
        if urgent:
            return now + timedelta(hours=self.urgent_hours)
        return self.calendar.after_working_days(now, self.sign_for_working_days)

    def reopened_finish(self, now: datetime) -> datetime:
        """The 办结 deadline of a case reopened at `now` (after 不满意, or by a supervisor)."""
        return self.after_days(now, self.review_decision_days)


@dataclass(frozen=True)
class Alarm:
    """A moment the scheduler acts on: a reminder at `reminder_share` of a deadline, or 督办 when it has passed."""

    kind: str  # "reminder" | "escalation"
    deadline: Deadline
    at: datetime
    due: datetime


def pending_deadlines(case: Mapping[str, Any]) -> list[tuple[Deadline, datetime, datetime]]:
    """(deadline, start, due) for each deadline of `case` (a row mapping) that is still to be met."""
    status = case["status"]
    if status not in OPEN_STATUSES:
        return []
    found: list[tuple[Deadline, datetime, datetime]] = []
    if status in UNCLAIMED_STATUSES and case["sign_for_due"] is not None:
        found.append((Deadline.SIGN_FOR, case["dispatched_at"] or case["created_at"], case["sign_for_due"]))
    if case["first_reply_at"] is None and case["notify_due"] is not None and not case["reopened_at"]:
        found.append((Deadline.NOTIFY, case["created_at"], case["notify_due"]))
    if case["finish_due"] is not None:
        found.append((Deadline.FINISH, case["reopened_at"] or case["created_at"], case["finish_due"]))
    return found


def next_due(case: Mapping[str, Any]) -> datetime | None:
    """The earliest deadline still to be met; None for closed and merged cases."""
    dues = [due for _, _, due in pending_deadlines(case)]
    return min(dues) if dues else None


def alarms(case: Mapping[str, Any], share: float) -> list[Alarm]:
    """Every reminder and escalation moment of the case's pending deadlines."""
    found: list[Alarm] = []
    for deadline, start, due in pending_deadlines(case):
        remind_at = start + (due - start) * share
        if remind_at < due:
            found.append(Alarm("reminder", deadline, remind_at, due))
        found.append(Alarm("escalation", deadline, due, due))
    return found
