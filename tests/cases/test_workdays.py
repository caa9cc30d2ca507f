"""The working-day calendar: the shipped holiday file agrees with the official notices, a county's file extends and
overrides the package, a broken file is refused with its reason, coverage and the provisional mark, and calendar-day
deadlines that end in an official holiday move past it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from bot.cases.deadlines import DeadlinePolicy
from bot.cases.workdays import (
    CHINA_TZ,
    SHIPPED_FILE,
    CalendarError,
    WorkCalendar,
    after_working_days,
    end_of,
    shipped_calendar,
)
from tests.support.holidays import FICTIONAL_2027, write_holidays


def beijing(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA_TZ).astimezone(UTC)


def test_the_shipped_file_matches_the_official_days_and_names_its_notices() -> None:
    shipped = shipped_calendar()
    assert sorted(shipped.notices) == [2025, 2026]
    for notice in shipped.notices.values():
        assert notice.notice == f"国务院办公厅关于{notice.year}年部分节假日安排的通知"
        assert re.fullmatch(r"国办发明电〔\d{4}〕\d+号", notice.document)
    assert shipped.notices[2026].document == "国办发明电〔2025〕7号"
    # chinesecalendar is built from the same notices: every day of both years must agree
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(730)]
    assert [d for d in days if shipped.is_working_day(d) != chinese_calendar.is_workday(d)] == []
    assert shipped.holiday_name(date(2026, 2, 17)) == "春节" and shipped.holiday_name(date(2026, 2, 14)) is None
    assert shipped.is_working_day(date(2026, 2, 14)) and shipped.is_working_day(date(2026, 2, 28))  # 上班 Saturdays


def test_today_2027_is_missing_and_marked_provisional() -> None:
    shipped = shipped_calendar()
    assert shipped.state(date(2026, 12, 1)) == "missing 2027"
    assert shipped.state(date(2026, 6, 1)) == "ok"
    assert shipped.uncovered_days(date(2026, 12, 1))[0] == date(2027, 1, 1)
    assert len(shipped.uncovered_days(date(2026, 12, 1))) == 120 - 31
    assert not shipped.is_provisional(end_of(date(2026, 12, 31)))
    assert shipped.is_provisional(end_of(date(2027, 1, 1)))
    assert not shipped.is_provisional(None)
    # without data 2027 counts Monday to Friday: New Year's Day (a Friday) is a working day, provisionally
    assert after_working_days(beijing(2026, 12, 31, 10, 0), 1) == end_of(date(2027, 1, 1))


def test_a_county_file_extends_the_package_with_its_own_year(tmp_path: Path) -> None:
    county = WorkCalendar.load(write_holidays(tmp_path))
    assert county.state(date(2026, 12, 1)) == "ok"
    assert county.source(2027).startswith("《测试用虚构安排")
    assert county.source(2026).startswith("chinesecalendar")  # the year it does not write comes from the package
    assert not county.is_working_day(date(2027, 1, 1)) and county.is_working_day(date(2027, 2, 20))
    # the Spring Festival of the file: one working day from Thursday 4 Feb is Monday 15 Feb, not Friday 5 Feb
    policy = DeadlinePolicy(calendar=county)
    assert policy.sign_for(False, beijing(2027, 2, 4, 10, 0)) == end_of(date(2027, 2, 15))
    assert DeadlinePolicy().sign_for(False, beijing(2027, 2, 4, 10, 0)) == end_of(date(2027, 2, 5))


def test_a_year_in_the_file_replaces_the_package(tmp_path: Path) -> None:
    override = FICTIONAL_2027.replace("2027", "2026")
    county = WorkCalendar.load(write_holidays(tmp_path, override))
    assert county.is_working_day(date(2026, 10, 5))  # the package's National Day is not in this 2026
    assert not county.is_working_day(date(2026, 2, 6))
    assert county.source(2026).startswith("《测试用虚构安排")


def test_without_any_data_monday_to_friday() -> None:
    bare = WorkCalendar(use_package=False)
    assert bare.is_working_day(date(2026, 10, 1)) and not bare.is_working_day(date(2026, 10, 3))
    assert bare.state(date(2026, 12, 1)) == "missing 2026, 2027"
    assert WorkCalendar.load(Path("/nonexistent/holidays.yaml")).state(date(2026, 6, 1)) == "ok"  # package only


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2027: [1, 2]", "expected notice"),
        ("twenty: {}", "must be its year"),
        ("2027:\n  document: x\n  holidays: [{name: 春节, days: [2027-02-05, 2027-02-11]}]", "`notice` is required"),
        ("2027:\n  notice: n\n  document: d\n  holidays: []", "`holidays` must list"),
        (
            "2027:\n  notice: n\n  document: d\n  holidays: [{name: 春节, days: [2027-02-11, 2027-02-05]}]",
            "春节): `days` must be",
        ),
        ("2027:\n  notice: n\n  document: d\n  holidays: [{name: 春节, off: [2027-02-05, 2027-02-11]}]", "`days`"),
        (
            "2027:\n  notice: n\n  document: d\n  holidays: [{name: 春节, days: [2027-02-05, 2027-02-11], "
            "workdays: [2027-02-06]}]",
            "both a day off and a working day",
        ),
        (
            "2027:\n  notice: n\n  document: d\n  holidays: [{name: 元旦, days: [2026-12-31, 2027-01-01]}]",
            "not in 2027",
        ),
        ("2027: {notice: [", "not valid YAML"),
    ],
)
def test_a_broken_file_is_refused_with_its_reason(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CalendarError, match=re.escape(message)):
        WorkCalendar.load(write_holidays(tmp_path, text))


def test_calendar_day_limits_end_after_an_official_holiday_not_in_it(tmp_path: Path) -> None:
    shipped = shipped_calendar()
    # 30 days from 3 Sep 2026 is 3 Oct, in National Day (1–7 Oct): due at the end of Thursday 8 Oct
    assert shipped.after_days(beijing(2026, 9, 3, 15, 0), 30) == end_of(date(2026, 10, 8))
    # nor on a weekend: 60 days from 15 Sep is Saturday 14 Nov, due at the end of Monday 16 Nov
    assert shipped.after_days(beijing(2026, 9, 15, 17, 0), 60) == end_of(date(2026, 11, 16))
    # a reopened case's 30 days from 2 Dec 2026 end on New Year's Day 2027 — past it once the county adds 2027
    reopened = beijing(2026, 12, 2, 10, 0)
    assert DeadlinePolicy().reopened_finish(reopened) == end_of(date(2027, 1, 1))  # provisional
    county = WorkCalendar.load(write_holidays(tmp_path))
    assert DeadlinePolicy(calendar=county).reopened_finish(reopened) == end_of(date(2027, 1, 4))


def test_the_shipped_file_is_the_one_in_knowledge() -> None:
    assert Path(__file__).resolve().parents[2] / "knowledge" / "holidays.yaml" == SHIPPED_FILE
