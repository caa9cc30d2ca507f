"""One household as the dashboard shows it (/staff/households/<id>): the ledger row, its change history, the
residents bound to it, and who may see it.

Scope — districts are the ledger's unit, work groups the staff's: supervisors and admins (the overseers) see every
household; anyone else sees the households of the district of their own department (a 片区工作组: `departments.
district`, as in knowledge/routing.yaml); staff of a department without a district (the dispatcher desk, 纪检监察, the
county offices) see none. A household outside the viewer's scope is a 404, exactly like one that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.actors import StaffUser
from bot.cases.errors import NotFound
from bot.cases.models import Case, Department
from bot.cases.phones import mask_phone
from bot.core.household_file import HouseholdFile
from bot.db.base import table_of
from bot.households.files import FILE_COLUMNS, file_of_row
from bot.households.models import Household, HouseholdBinding, HouseholdChange, HouseholdImport, HouseholdOpening

households = table_of(Household)
bindings = table_of(HouseholdBinding)
changes = table_of(HouseholdChange)
imports = table_of(HouseholdImport)
openings = table_of(HouseholdOpening)
departments = table_of(Department)
cases = table_of(Case)
NOT_FOUND = "没有找到这一户（或不在您所在片区）。"
VIA_LABELS = {"code": "绑定码", "id_tail": "户号＋户主姓名＋身份证后 6 位"}
MAX_CHANGES = 200
MAX_OPENINGS = 50  # the latest openings the page lists


@dataclass(frozen=True)
class HouseholdScope:
    """Which households a staff member may see: all, or those of `districts`."""

    every: bool
    districts: frozenset[str]

    def allows(self, district: str) -> bool:
        return self.every or district in self.districts


@dataclass(frozen=True)
class ChangeView:
    field: str
    old: str | None
    new: str | None
    by: str
    at: datetime
    import_id: int


@dataclass(frozen=True)
class MemberView:
    label: str
    via: str
    bound_at: datetime


@dataclass(frozen=True)
class HouseholdView:
    id: int
    file: HouseholdFile
    head_name: str
    id_last4: str | None
    phones: tuple[str, ...]  # masked
    created_at: datetime
    imported_by: str
    imported_file: str
    changes: tuple[ChangeView, ...]  # newest first
    members: tuple[MemberView, ...]


@dataclass(frozen=True)
class OpeningView:
    by: str
    at: datetime


async def record_opening(conn: AsyncConnection, household_id: int, viewer: StaffUser, now: datetime) -> None:
    """A staff member opened the household's page (call it once `load_household` has let them in)."""
    await conn.execute(openings.insert().values(household_id=household_id, viewed_by=viewer.username, viewed_at=now))


async def recent_openings(conn: AsyncConnection, household_id: int) -> tuple[OpeningView, ...]:
    """Who opened the household's page, newest first."""
    rows = await conn.execute(
        select(openings.c.viewed_by, openings.c.viewed_at)
        .where(openings.c.household_id == household_id)
        .order_by(openings.c.id.desc())
        .limit(MAX_OPENINGS)
    )
    return tuple(OpeningView(by, at) for by, at in rows)


async def household_scope(conn: AsyncConnection, viewer: StaffUser) -> HouseholdScope:
    if viewer.is_overseer:
        return HouseholdScope(True, frozenset())
    if viewer.department_id is None:
        return HouseholdScope(False, frozenset())
    district = await conn.scalar(select(departments.c.district).where(departments.c.id == viewer.department_id))
    return HouseholdScope(False, frozenset({district}) if district else frozenset())


async def load_household(conn: AsyncConnection, viewer: StaffUser, household_id: int) -> HouseholdView:
    """The household page's data; NotFound when it does not exist or is outside the viewer's scope."""
    row = (
        (
            await conn.execute(
                select(households, imports.c.imported_by, imports.c.file_name)
                .join(imports, imports.c.id == households.c.import_id)
                .where(households.c.id == household_id)
            )
        )
        .mappings()
        .first()
    )
    if row is None or not (await household_scope(conn, viewer)).allows(row["district"]):
        raise NotFound(NOT_FOUND)
    history = (
        await conn.execute(
            select(changes)
            .where(changes.c.household_id == household_id)
            .order_by(changes.c.id.desc())
            .limit(MAX_CHANGES)
        )
    ).mappings()
    members = (
        await conn.execute(
            select(bindings.c.label, bindings.c.via, bindings.c.bound_at)
            .where(bindings.c.household_id == household_id)
            .order_by(bindings.c.bound_at, bindings.c.id)
        )
    ).mappings()
    return HouseholdView(
        id=household_id,
        file=file_of_row({name: row[name] for name in FILE_COLUMNS}),
        head_name=row["head_name"],
        id_last4=row["id_last4"],
        phones=tuple(mask_phone(p) for p in row["phones"] or ()),
        created_at=row["created_at"],
        imported_by=row["imported_by"],
        imported_file=row["file_name"],
        changes=tuple(
            ChangeView(c["field"], c["old_value"], c["new_value"], c["changed_by"], c["changed_at"], c["import_id"])
            for c in history
        ),
        members=tuple(MemberView(m["label"], VIA_LABELS.get(m["via"], m["via"]), m["bound_at"]) for m in members),
    )


@dataclass(frozen=True)
class CaseHousehold:
    """The household a case's resident is bound to, for the link on the case page."""

    id: int
    household_no: str
    members: int


async def household_of_case(conn: AsyncConnection, viewer: StaffUser, case_id: int) -> CaseHousehold | None:
    """The household the resident of case `case_id` is bound to, if the viewer may see it."""
    row = (
        await conn.execute(
            select(households.c.id, households.c.household_no, households.c.district)
            .select_from(
                cases.join(bindings, bindings.c.resident_id == cases.c.resident_id).join(
                    households, households.c.id == bindings.c.household_id
                )
            )
            .where(cases.c.id == case_id)
        )
    ).first()
    if row is None or not (await household_scope(conn, viewer)).allows(row.district):
        return None
    members = await conn.scalar(select(func.count()).where(bindings.c.household_id == row.id))
    return CaseHousehold(int(row.id), row.household_no, int(members or 0))
