"""China's working-day calendar (official holidays and the weekends made working days), in Beijing time.

Where the data comes from, first match wins:
1. the county's holiday file, `knowledge/holidays.yaml` (ANJU_HOLIDAYS_FILE): each year as the State Council's
   notice gives it — a year written there replaces what the package knows of it;
2. the `chinese_calendar` package, for the years it was released with (taken from the same notices);
3. nothing: Monday to Friday count as working days, and a deadline that reaches such a day is *provisional*
   (staff see 暂按周一至周五计算) until the year's notice is added to the file. `python -m bot calendar check`,
   the start-up log, /healthz and the admins' dashboard banner say which year is missing.

`WorkCalendar` holds one such calendar; the module-level functions use the calendar of the shipped file (or the
one passed as `calendar=`), so callers that know nothing of holiday files keep working."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml
from chinese_calendar import constants as _package_data

# China uses one time zone, without daylight saving time
CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
WEEKDAYS = "一二三四五六日"
HOLIDAYS_FILE = "holidays.yaml"
SHIPPED_FILE = Path(__file__).resolve().parents[2] / "knowledge" / HOLIDAYS_FILE
CHECK_DAYS = 120  # how far ahead `calendar check`, /healthz and the banner look
PROVISIONAL_NOTE = "暂按周一至周五计算"
_PACKAGE_YEARS = frozenset(d.year for d in _package_data.holidays)


class CalendarError(ValueError):
    """The holiday file cannot be used (its message says where and why)."""


@dataclass(frozen=True)
class Notice:
    """One year's official arrangement, as written in the holiday file."""

    year: int
    notice: str
    document: str
    published: date | None
    url: str
    holidays: Mapping[date, str] = field(default_factory=dict)  # day off → holiday name
    workdays: Mapping[date, str] = field(default_factory=dict)  # weekend day made a working day → holiday name


class WorkCalendar:
    """Official data by year (the holiday file's notices over the package's years); never changed once built."""

    def __init__(self, notices: Mapping[int, Notice] | None = None, *, use_package: bool = True) -> None:
        self.notices: Mapping[int, Notice] = dict(notices or {})
        self.use_package = use_package  # tests of the fallback turn the package off
        self._off = {d: n for notice in self.notices.values() for d, n in notice.holidays.items()}
        self._work = {d: n for notice in self.notices.values() for d, n in notice.workdays.items()}

    def __repr__(self) -> str:
        return f"WorkCalendar(file years {sorted(self.notices)}, package {self.use_package})"

    # -- loading ---------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path) -> WorkCalendar:
        """The calendar of a holiday file; a missing file is an empty one (the package's years only)."""
        if not path.is_file():
            return cls()
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CalendarError(f"{path}: not valid YAML ({exc})") from None
        if not isinstance(raw, dict):
            raise CalendarError(f"{path}: expected one section per year (2026: …)")
        return cls({notice.year: notice for notice in (_notice(path, y, v) for y, v in raw.items())})

    # -- questions -------------------------------------------------------------------------------------------

    def covers(self, day: date) -> bool:
        """Whether official data exists for `day`'s year."""
        return day.year in self.notices or (self.use_package and day.year in _PACKAGE_YEARS)

    def is_working_day(self, day: date) -> bool:
        if day in self._off:
            return False
        if day in self._work:
            return True
        if day.year not in self.notices and self.use_package and day.year in _PACKAGE_YEARS:
            return bool(chinese_calendar.is_workday(day))
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str | None:
        """The official holiday `day` belongs to (None for working days and ordinary weekends)."""
        if day in self._off:
            return self._off[day]
        if day.year not in self.notices and self.use_package and day.year in _PACKAGE_YEARS:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            return name if on_holiday and name else None
        return None

    def source(self, year: int) -> str:
        """Where the year's data comes from, for people."""
        if year in self.notices:
            n = self.notices[year]
            return f"《{n.notice}》（{n.document}）"
        if self.use_package and year in _PACKAGE_YEARS:
            return f"chinesecalendar {getattr(chinese_calendar, '__version__', '')}".strip()
        return "无官方数据（暂按周一至周五计算）"

    def uncovered_days(self, first: date, days: int = CHECK_DAYS) -> list[date]:
        """The days among `days` days from `first` on (inclusive) that have no official data."""
        span = (first + timedelta(days=i) for i in range(days))
        return [d for d in span if not self.covers(d)]

    def missing_years(self, first: date, days: int = CHECK_DAYS) -> list[int]:
        return sorted({d.year for d in self.uncovered_days(first, days)})

    def state(self, first: date, days: int = CHECK_DAYS) -> str:
        """ "ok", or "missing 2027" (several: "missing 2027, 2028") — the /healthz value."""
        missing = self.missing_years(first, days)
        return "ok" if not missing else "missing " + ", ".join(str(y) for y in missing)

    def is_provisional(self, due: datetime | None) -> bool:
        """Whether a deadline was counted over a day without official data (its day is in such a year: the
        years with data are contiguous and end before it)."""
        return due is not None and not self.covers(due_day(due))

    # -- arithmetic ------------------------------------------------------------------------------------------

    def after_working_days(self, start: datetime, n: int) -> datetime:
        """The end of the n-th working day after the day of `start` (1 working day from a Wednesday before
        National Day is the end of the first working day after the holiday)."""
        day = local_day(start)
        counted = 0
        while counted < n:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return end_of(day)

    def after_days(self, start: datetime, n: int) -> datetime:
        """The end of the n-th calendar day after the day of `start` (the 信访 15-day and 60-day limits, the
        30 days of a reopened case), or of the first working day after it when that day is a weekend or an
        official holiday: no resident or office is due on New Year's Day, in the Spring Festival or on a Sunday."""
        return self.after_days_from(local_day(start), n)

    def after_days_from(self, day: date, n: int) -> datetime:
        """As `after_days`, counted from a Beijing day (an extension counts from the deadline's own day)."""
        day += timedelta(days=n)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return end_of(day)


def _notice(path: Path, year: Any, raw: Any) -> Notice:
    where = f"{path}: {year}"
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise CalendarError(f"{where}: a section's name must be its year (e.g. 2027)")
    if not isinstance(raw, dict):
        raise CalendarError(f"{where}: expected notice, document, url and holidays")
    for key in ("notice", "document"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CalendarError(f"{where}: `{key}` is required (the official notice this year comes from)")
    published = raw.get("published")
    if published is not None and not isinstance(published, date):
        raise CalendarError(f"{where}: `published` must be a date (YYYY-MM-DD)")
    items = raw.get("holidays")
    if not isinstance(items, list) or not items:
        raise CalendarError(f"{where}: `holidays` must list the notice's holidays")
    off: dict[date, str] = {}
    work: dict[date, str] = {}
    for n, item in enumerate(items, 1):
        at = f"{where}, holiday {n}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise CalendarError(f"{at}: expected {{name: …, days: [first, last], workdays: [days]}}")
        span = item.get("days")
        if (
            not isinstance(span, list)
            or len(span) != 2
            or not all(isinstance(d, date) for d in span)
            or span[0] > span[1]
            or (span[1] - span[0]).days > 14
        ):
            raise CalendarError(
                f"{at} ({item['name']}): `days` must be [first day, last day] of the 放假调休, at most 15 days"
            )
        for i in range((span[1] - span[0]).days + 1):
            off[span[0] + timedelta(days=i)] = item["name"]
        days = item.get("workdays") or []
        if not isinstance(days, list) or not all(isinstance(d, date) for d in days):
            raise CalendarError(f"{at} ({item['name']}): `workdays` must list dates (YYYY-MM-DD)")
        for d in days:
            work[d] = item["name"]
    both = sorted(set(off) & set(work))
    if both:
        raise CalendarError(f"{where}: {both[0]} is both a day off and a working day")
    stray = sorted(d for d in off if d.year != year)
    if stray:
        raise CalendarError(f"{where}: day off {stray[0]} is not in {year}")
    return Notice(year, raw["notice"].strip(), raw["document"].strip(), published, str(raw.get("url") or ""), off, work)


@functools.cache
def shipped_calendar() -> WorkCalendar:
    """The calendar of the holiday file shipped in knowledge/ (read once; immutable)."""
    return WorkCalendar.load(SHIPPED_FILE)


def _cal(calendar: WorkCalendar | None) -> WorkCalendar:
    return calendar if calendar is not None else shipped_calendar()


def is_working_day(day: date, calendar: WorkCalendar | None = None) -> bool:
    return _cal(calendar).is_working_day(day)


def local_day(moment: datetime) -> date:
    return moment.astimezone(CHINA_TZ).date()


def end_of(day: date) -> datetime:
    """24:00 Beijing time at the end of `day`, as UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA_TZ).astimezone(UTC)


def due_day(due: datetime) -> date:
    """The Beijing day a deadline belongs to: a deadline at 24:00 is the day that ends then."""
    local = due.astimezone(CHINA_TZ)
    return local.date() - timedelta(days=1) if local.time() == time(0) else local.date()


def after_working_days(start: datetime, n: int, calendar: WorkCalendar | None = None) -> datetime:
    """The end of the n-th working day after the day of `start` (WorkCalendar.after_working_days)."""
    return _cal(calendar).after_working_days(start, n)


def after_days(start: datetime, n: int, calendar: WorkCalendar | None = None) -> datetime:
    """The end of the n-th calendar day after the day of `start`, moved to a working day (WorkCalendar.after_days)."""
    return _cal(calendar).after_days(start, n)


def format_due(due: datetime) -> str:
    """`2026年10月8日（星期四）` for a deadline at the end of a day, `2026年9月15日 13:00` otherwise."""
    local = due.astimezone(CHINA_TZ)
    if local.time() == time(0):
        day = due_day(due)
        return f"{day.year}年{day.month}月{day.day}日（星期{WEEKDAYS[day.weekday()]}）"
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def format_moment(moment: datetime) -> str:
    local = moment.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"


def day_ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days folded into (first, last) ranges."""
    ranges: list[tuple[date, date]] = []
    for d in sorted(days):
        if ranges and d - ranges[-1][1] == timedelta(days=1):
            ranges[-1] = (ranges[-1][0], d)
        else:
            ranges.append((d, d))
    return ranges
