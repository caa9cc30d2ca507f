"""Signing progress per district, for /stats (阳光征收, issue 14 point 4): counts only, computed by SQL aggregates,
so no household can be told apart. Definitions (the page states them):
- households: rows of the ledger in the district;
- signed: 协议状态 已签约;
- selected (已选房): a 选房日期 is recorded (the import refuses one later than its day);
- moved (已交房): a 交房日期 on or before today;
- by day: the agreements signed up to each day from the plan's signing_start, cumulative (those dated before it
  count from the first day).
Only projects whose progress an admin has published (bot/households/publications.py) are shown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases.workdays import local_day
from bot.db.base import table_of
from bot.households.models import Household
from bot.households.projects import Project, Projects
from bot.households.publications import Item, current
from bot.households.vocabulary import AgreementStatus

households = table_of(Household)
MAX_DAYS = 731  # a signing period longer than two years is shown from its last two years


@dataclass(frozen=True)
class DistrictProgress:
    district: str  # id
    name: str
    households: int
    signed: int
    selected: int
    moved: int


@dataclass(frozen=True)
class DaySigned:
    day: date
    signed: int  # agreements dated that day
    cumulative: int


@dataclass(frozen=True)
class Progress:
    districts: tuple[DistrictProgress, ...]
    days: tuple[DaySigned, ...]

    @property
    def total(self) -> DistrictProgress:
        d = self.districts
        return DistrictProgress(
            "",
            "合计",
            sum(x.households for x in d),
            sum(x.signed for x in d),
            sum(x.selected for x in d),
            sum(x.moved for x in d),
        )


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


async def progress(
    conn: AsyncConnection, districts: Sequence[tuple[str, str]], signing_start: date | None, today: date
) -> Progress:
    """The progress of `districts` ((id, name) in the order shown), and the cumulative signed per day from
    `signing_start` to `today`."""
    ids = [d for d, _ in districts]
    signed = households.c.agreement_status == AgreementStatus.SIGNED.value
    # one scan: counts per district and 签约日期 (a few thousand groups at most), summed up here
    rows = await conn.execute(
        select(
            households.c.district,
            households.c.agreement_date,
            func.count().label("households"),
            _count(signed).label("signed"),
            _count(households.c.selection_date.is_not(None)).label("selected"),
            _count(and_(households.c.handover_date.is_not(None), households.c.handover_date <= today)).label("moved"),
        )
        .where(households.c.district.in_(ids))
        .group_by(households.c.district, households.c.agreement_date)
    )
    sums = {d: [0, 0, 0, 0] for d in ids}
    signed_on: dict[date, int] = {}
    for r in rows:
        counts = sums[r.district]
        for n, value in enumerate((r.households, r.signed, r.selected, r.moved)):
            counts[n] += int(value)
        if r.agreement_date is not None and r.signed:
            signed_on[r.agreement_date] = signed_on.get(r.agreement_date, 0) + int(r.signed)
    per_district = tuple(DistrictProgress(d, name, *sums[d]) for d, name in districts)
    return Progress(per_district, _by_day(signed_on, signing_start, today))


def _by_day(signed_on: dict[date, int], start: date | None, today: date) -> tuple[DaySigned, ...]:
    """Signed per day from `start` to `today`, cumulative; agreements dated before `start` count from its first day."""
    if start is None or start > today:
        return ()
    start = max(start, today - timedelta(days=MAX_DAYS - 1))
    running = sum(n for day, n in signed_on.items() if day < start)
    days = []
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        running += signed_on.get(day, 0)
        days.append(DaySigned(day, signed_on.get(day, 0), running))
    return tuple(days)


@dataclass(frozen=True)
class ProjectProgress:
    project: Project
    progress: Progress
    published_at: datetime
    computed_at: datetime
    signing_start: date | None


def signing_start(params: Mapping[str, Any]) -> date | None:
    """The plan's first day of signing (`programme.signing_start`), if it names one."""
    value = (params.get("programme") or {}).get("signing_start")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


async def published_progress(
    engine: AsyncEngine, projects: Projects, params: Mapping[str, Any], now: datetime
) -> tuple[ProjectProgress, ...]:
    """The progress of every project whose progress is published, in the order of the parameter file."""
    start, today = signing_start(params), local_day(now)
    found = []
    async with engine.connect() as conn:
        switches = await current(conn)
        for project in projects.all:
            switch = switches.get((project.id, Item.PROGRESS))
            if switch is None or not switch.published:
                continue
            districts = [(d, projects.district_names.get(d, d)) for d in project.districts]
            found.append(
                ProjectProgress(project, await progress(conn, districts, start, today), switch.changed_at, now, start)
            )
    return tuple(found)
