"""Aggregate figures of the case queue — the supervisors' overview (per department, bot/staff/overview.py) and the
public /stats page (bot/web/stats.py).
Counts only: no numbers, names, phones or texts of any case ever leave this module.

Definitions (12345 practice):
- on-time 签收: of the cases that have been signed for, or are still waiting past their 签收 deadline, the share
  signed for by that deadline (`accepted_at <= sign_for_due`; the deadline restarts when a case is re-dispatched);
- on-time 办结: of the cases closed, or still open past their 办结 deadline, the share closed by that deadline
  (extensions granted within the rules count);
- satisfaction: of the ratings given, the share 满意 or 基本满意 — every rating counts (一事一评): a case rated
  不满意, reopened and rated again counts twice, each rating for the department that handled that round.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy import case as when
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.cases.models import Case, CaseRating, Department
from bot.cases.vocabulary import (
    CATEGORY_LABELS,
    OPEN_STATUSES,
    RATING_LABELS,
    STAFF_STATUS_LABELS,
    TYPE_LABELS,
    UNCLAIMED_STATUSES,
    CaseType,
    Category,
    Rating,
    Status,
)
from bot.db.base import table_of

cases = table_of(Case)
departments = table_of(Department)
ratings = table_of(CaseRating)
UNASSIGNED = "未分派"


@dataclass(frozen=True)
class Rate:
    met: int
    total: int

    @property
    def percent(self) -> float | None:
        return 100.0 * self.met / self.total if self.total else None


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class PublicFigures:
    computed_at: datetime
    total: int
    by_type: tuple[Count, ...]
    by_category: tuple[Count, ...]
    by_status: tuple[Count, ...]
    sign_for: Rate
    closure: Rate
    ratings: tuple[Count, ...]  # 满意, 基本满意, 不满意
    satisfaction: Rate


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int | None
    name: str
    total: int
    open: int
    overdue: int
    sign_for: Rate
    closure: Rate
    satisfaction: Rate
    dissatisfied: int


def _sum(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(when((condition, 1), else_=0)), 0)


def _measures(now: datetime) -> list[ColumnElement[int]]:
    """count, open, overdue, 签收 met/total, 办结 met/total — one row per group of cases."""
    c = cases.c
    open_ = c.status.in_([s.value for s in OPEN_STATUSES])
    unclaimed = c.status.in_([s.value for s in UNCLAIMED_STATUSES])
    signed = and_(c.accepted_at.is_not(None), ~unclaimed)
    late_unsigned = and_(unclaimed, c.sign_for_due.is_not(None), c.sign_for_due < now)
    closed = and_(c.status == Status.CLOSED, c.closed_at.is_not(None))
    late_open = and_(open_, c.finish_due.is_not(None), c.finish_due < now)
    return [
        func.count(c.id),
        _sum(open_),
        _sum(and_(open_, c.next_due.is_not(None), c.next_due < now)),
        _sum(and_(signed, c.accepted_at <= c.sign_for_due)),
        _sum(signed) + _sum(late_unsigned),
        _sum(and_(closed, c.closed_at <= c.finish_due)),
        _sum(closed) + _sum(late_open),
    ]


def _rating_measures() -> list[ColumnElement[int]]:
    """ratings given, satisfied, dissatisfied — one row per group of ratings."""
    r = ratings.c
    return [
        func.count(r.id),
        _sum(r.rating.in_([int(Rating.SATISFIED), int(Rating.MOSTLY_SATISFIED)])),
        _sum(r.rating == int(Rating.DISSATISFIED)),
    ]


def _counts(
    rows: Sequence[tuple[str, int]],
    labels: dict,
    keys: Sequence[str],
    keep_zero: Callable[[str], bool],
) -> tuple[Count, ...]:
    found = {key: int(n) for key, n in rows}
    ordered = [k for k in keys if found.get(k) or keep_zero(k)] + [k for k in found if k not in keys]
    return tuple(Count(k, labels.get(k, k), found.get(k, 0)) for k in ordered)


async def public_figures(engine: AsyncEngine, now: datetime) -> PublicFigures:
    async with engine.connect() as conn:
        total, _, _, sign_met, sign_total, close_met, close_total = tuple(
            (await conn.execute(select(*_measures(now)).select_from(cases))).one()
        )
        rated, satisfied, _ = tuple((await conn.execute(select(*_rating_measures()).select_from(ratings))).one())
        by_type = await _group(conn, cases.c.type)
        by_category = await _group(conn, cases.c.category)
        by_status = await _group(conn, cases.c.status)
        by_rating = [
            (key, int(n))
            for key, n in await conn.execute(select(ratings.c.rating, func.count()).group_by(ratings.c.rating))
        ]
    complaint_categories = {Category(c) for c in CATEGORY_LABELS} - {Category.ASSISTANCE, Category.INQUIRY}
    given = {int(r): n for r, n in by_rating}
    return PublicFigures(
        computed_at=now,
        total=int(total),
        by_type=_counts(by_type, dict(TYPE_LABELS), list(CaseType), lambda k: True),
        by_category=_counts(by_category, dict(CATEGORY_LABELS), list(Category), lambda k: k in complaint_categories),
        by_status=_counts(
            by_status, dict(STAFF_STATUS_LABELS), list(Status), lambda k: k not in (Status.MERGED, Status.RETURNED)
        ),
        sign_for=Rate(int(sign_met), int(sign_total)),
        closure=Rate(int(close_met), int(close_total)),
        ratings=tuple(Count(r.value, RATING_LABELS[r], given.get(int(r), 0)) for r in Rating),
        satisfaction=Rate(int(satisfied), int(rated)),
    )


async def _group(conn: AsyncConnection, column: ColumnElement) -> list[tuple]:
    rows = await conn.execute(select(column, func.count()).select_from(cases).group_by(column))
    return [(key, int(n)) for key, n in rows]


async def department_figures(engine: AsyncEngine, now: datetime) -> list[DepartmentFigures]:
    """One row per department that has (or had) cases, and every active department; most overdue first."""
    async with engine.connect() as conn:
        rows = (
            await conn.execute(select(cases.c.department_id, *_measures(now)).group_by(cases.c.department_id))
        ).all()
        rated_rows = (
            await conn.execute(select(ratings.c.department_id, *_rating_measures()).group_by(ratings.c.department_id))
        ).all()
        names = {r.id: (r.name, r.active) for r in await conn.execute(select(departments))}
    case_figures = {row[0]: [int(n) for n in row[1:]] for row in rows}
    rating_figures = {row[0]: [int(n) for n in row[1:]] for row in rated_rows}
    found = {}
    # every department with cases or ratings (a case rated and then transferred counts in both), and every active one
    wanted = [
        *case_figures,
        *(d for d in rating_figures if d not in case_figures),
        *(d for d, (_, active) in names.items() if active),
    ]
    for department_id in dict.fromkeys(wanted):
        total, open_, overdue, sm, st, cm, ct = case_figures.get(department_id, [0] * 7)
        rated, satisfied, dissatisfied = rating_figures.get(department_id, [0] * 3)
        name = names.get(department_id, (UNASSIGNED, True))[0]
        found[department_id] = DepartmentFigures(
            department_id, name, total, open_, overdue, Rate(sm, st), Rate(cm, ct), Rate(satisfied, rated), dissatisfied
        )
    return sorted(found.values(), key=lambda d: (-d.overdue, -d.open, d.department_id or 0))


def overall(rows: Sequence[DepartmentFigures]) -> DepartmentFigures:
    """The total line of the overview table."""

    def add(pick: Callable[[DepartmentFigures], Rate]) -> Rate:
        return Rate(sum(pick(r).met for r in rows), sum(pick(r).total for r in rows))

    return DepartmentFigures(
        None,
        "合计",
        sum(r.total for r in rows),
        sum(r.open for r in rows),
        sum(r.overdue for r in rows),
        add(lambda r: r.sign_for),
        add(lambda r: r.closure),
        add(lambda r: r.satisfaction),
        sum(r.dissatisfied for r in rows),
    )
