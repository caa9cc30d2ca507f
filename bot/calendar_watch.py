"""The app's working-day calendar: loaded from the county's holiday file at start, a warning in the log when a
year in the next 120 days has no official data, and what the staff pages show of it — the admins' banner and
暂按周一至周五计算 beside a provisional deadline (bot/cases/workdays.py says what "provisional" means)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

import aiohttp_jinja2
from aiohttp import web
from markupsafe import Markup

from bot import keys
from bot.cases.workdays import CHECK_DAYS, PROVISIONAL_NOTE, WorkCalendar, day_ranges, local_day

log = logging.getLogger(__name__)


def setup(app: web.Application, clock: Callable[[], datetime], calendar: WorkCalendar | None = None) -> None:
    """Load the calendar (a broken holiday file stops the start with its message) and teach the templates it."""
    if calendar is None:
        calendar = WorkCalendar.load(app[keys.SETTINGS].holidays_path)
    app[keys.CALENDAR] = calendar
    env = aiohttp_jinja2.get_env(app)
    env.globals["calendar_missing"] = lambda: calendar.missing_years(local_day(clock()))
    env.filters["provisional"] = lambda due: provisional_mark(calendar, due)
    app.cleanup_ctx.append(lambda a: _warn_at_start(a, clock))


def provisional_mark(calendar: WorkCalendar, due: datetime | None) -> Markup:
    if not calendar.is_provisional(due):
        return Markup("")
    return Markup('<span class="badge provisional" title="该年度节假日安排尚未录入">{}</span>').format(PROVISIONAL_NOTE)


def calendar_state(app: web.Application, now: datetime) -> str:
    """ "ok" or "missing 2027": the /healthz and /metrics view of the calendar."""
    return app[keys.CALENDAR].state(local_day(now))


async def _warn_at_start(app: web.Application, clock: Callable[[], datetime]) -> AsyncIterator[None]:
    calendar, today = app[keys.CALENDAR], local_day(clock())
    missing = calendar.uncovered_days(today, CHECK_DAYS)
    if missing:
        spans = ", ".join(f"{a}…{b}" for a, b in day_ranges(missing))
        log.warning(
            "holiday calendar: no official data for %s (%d of the next %d days: %s); deadlines over those "
            "days count Monday to Friday until the State Council's notice is added to %s",
            ", ".join(str(y) for y in calendar.missing_years(today)),
            len(missing),
            CHECK_DAYS,
            spans,
            app[keys.SETTINGS].holidays_path,
        )
    yield
