"""China's working-day calendar (official holidays and the weekends made working days), in Beijing time.

`chinese_calendar` knows the State Council's holiday arrangement for the years it was released with; for a later
year, until the package is updated, Monday to Friday count as working days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import chinese_calendar

# China uses one time zone, without daylight saving time
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
WEEKDAYS = "一二三四五六日"


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the installed package has no arrangement for
        return day.weekday() < 5


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def end_of(day: date) -> datetime:
    """24:00 Beijing time at the end of `day`, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA_TZ).astimezone(UTC)


def after_working_days(start: datetime, n: int) -> datetime:
    """The end of the n-th working day after the day of `start` (1 working day from a Wednesday before National
    Day is the end of the first working day after the holiday)."""
    day = local_day(start)
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return end_of(day)


def after_days(start: datetime, n: int) -> datetime:
    """The end of the n-th calendar day after the day of `start` (the 信访 15-day and 60-day limits)."""
    return end_of(local_day(start) + timedelta(days=n))


def format_due(due: datetime) -> str:
    """`2026年10月8日（星期四）` for a deadline at the end of a day, `2026年9月15日 13:00` otherwise."""
    local = due.astimezone(CHINA_TZ)
    if local.time() == time(0):
        day = local.date() - timedelta(days=1)
        return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_moment(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
