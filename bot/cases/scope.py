"""Which cases a staff user may see — one rule, in Python for a loaded case and in SQL for queues.

- supervisors and admins: every case;
- dispatchers: every case except those of 纪检监察 (staff-conduct complaints);
- department staff: their department's cases;
and nobody (but overseers) sees a staff-conduct complaint that names their own department: an accuser's material
is never passed to the accused (信访工作条例)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from bot.cases.actors import StaffUser
from bot.cases.models import Case, Department
from bot.cases.vocabulary import DepartmentKind, Role
from bot.db.base import table_of

cases = table_of(Case)
departments = table_of(Department)


@dataclass(frozen=True)
class CaseFacts:
    """What access rules look at."""

    status: str
    department_id: int | None
    department_kind: str | None
    named_department_id: int | None
    assignee_id: int | None
    resident_id: int | None


def can_view(viewer: StaffUser, case: CaseFacts) -> bool:
    if viewer.is_overseer:
        return True
    if case.named_department_id is not None and case.named_department_id == viewer.department_id:
        return False
    if viewer.role == Role.DISPATCHER:
        return case.department_kind != DepartmentKind.DISCIPLINE
    if viewer.role == Role.DEPARTMENT_STAFF:
        return viewer.department_id is not None and case.department_id == viewer.department_id
    return False


def scope_clause(viewer: StaffUser) -> ColumnElement[bool]:
    """The WHERE condition on `cases` that keeps exactly the cases `can_view` allows."""
    if viewer.is_overseer:
        return true()
    not_named = or_(cases.c.named_department_id.is_(None), cases.c.named_department_id != viewer.department_id)
    if viewer.role == Role.DISPATCHER:
        discipline = select(departments.c.id).where(departments.c.kind == DepartmentKind.DISCIPLINE)
        outside = or_(cases.c.department_id.is_(None), cases.c.department_id.not_in(discipline.scalar_subquery()))
        return and_(outside, not_named)
    if viewer.role == Role.DEPARTMENT_STAFF and viewer.department_id is not None:
        return and_(cases.c.department_id == viewer.department_id, not_named)
    return false()
