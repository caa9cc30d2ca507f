"""Who may send a notice to which district, and who receives one.

- supervisors and admins: any district, or every district at once;
- staff of a district work group (片区工作组): their own district only;
- everyone else (the dispatcher desk, county offices, 纪检监察): no notices to residents.

The recipients are the residents bound to a household of the district (household_bindings: one household per
resident, several residents per household — each of them once), less those who turned such notices off."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.actors import StaffUser
from bot.cases.models import Department
from bot.cases.vocabulary import DepartmentKind, Role
from bot.core.messages import Channel
from bot.db.base import table_of
from bot.db.models import DialogueState, DistrictNoticeOptOut, Resident
from bot.households.models import Household, HouseholdBinding

departments = table_of(Department)
residents = table_of(Resident)
states = table_of(DialogueState)
optouts = table_of(DistrictNoticeOptOut)
households = table_of(Household)
bindings = table_of(HouseholdBinding)
NOT_ALLOWED = "只有管理员、督导和片区工作组的工作人员可以给居民发片区通知。"


@dataclass(frozen=True)
class Scope:
    """The districts a staff member may send to: every one (`every`), or those listed."""

    every: bool = False
    districts: frozenset[str] = frozenset()

    @property
    def any(self) -> bool:
        return self.every or bool(self.districts)

    def allows(self, district: str | None) -> bool:
        """May send to `district` (None: to every district at once)."""
        return self.every or (district is not None and district in self.districts)

    def visible(self, district: str | None) -> bool:
        """May see the report of a notice sent to `district`."""
        return self.allows(district)


async def scope_of(conn: AsyncConnection, viewer: StaffUser) -> Scope:
    if viewer.role in (Role.ADMIN, Role.SUPERVISOR):
        return Scope(every=True)
    if viewer.role != Role.DEPARTMENT_STAFF or viewer.department_id is None:
        return Scope()
    row = (
        await conn.execute(
            select(departments.c.kind, departments.c.district).where(departments.c.id == viewer.department_id)
        )
    ).first()
    if row is None or row.kind != DepartmentKind.WORK_GROUP or not row.district:
        return Scope()
    return Scope(districts=frozenset({row.district}))


@dataclass(frozen=True)
class Recipient:
    resident_id: int
    channel: str
    user_key: str
    household_no: str
    label: str
    opted_out: bool
    last_seen: datetime | None  # the resident's last message (WeChat's window opens with it)


def _recipients_query(district: str | None) -> Select[tuple[object, ...]]:
    query = (
        select(
            residents.c.id,
            residents.c.channel,
            residents.c.user_key,
            households.c.household_no,
            bindings.c.label,
            optouts.c.resident_id.is_not(None).label("opted_out"),
            states.c.updated_at.label("last_seen"),
        )
        .select_from(bindings)
        .join(households, households.c.id == bindings.c.household_id)
        .join(residents, residents.c.id == bindings.c.resident_id)
        .outerjoin(optouts, optouts.c.resident_id == residents.c.id)
        .outerjoin(states, states.c.resident_id == residents.c.id)
        .order_by(households.c.household_no, residents.c.id)
    )
    return query if district is None else query.where(households.c.district == district)


async def recipients(conn: AsyncConnection, district: str | None) -> list[Recipient]:
    """Every resident bound to a household of `district` (None: of any district), once each."""
    rows = await conn.execute(_recipients_query(district))
    return [
        Recipient(r.id, r.channel, r.user_key, r.household_no, r.label, bool(r.opted_out), r.last_seen) for r in rows
    ]


@dataclass(frozen=True)
class Preview:
    """What sending would do: how many residents it goes to (by channel), how many are skipped, and how many WeChat
    residents have not written within the window (WeChat will not take the message: counted undeliverable)."""

    recipients: int
    skipped: int
    by_channel: dict[str, int] = field(default_factory=dict)
    wechat_closed: int = 0
    households: int = 0


async def preview(conn: AsyncConnection, district: str | None, now: datetime, wechat_hours: int) -> Preview:
    found = await recipients(conn, district)
    going = [r for r in found if not r.opted_out]
    cutoff = now - timedelta(hours=wechat_hours)
    closed = sum(1 for r in going if r.channel == Channel.WECHAT and (r.last_seen is None or r.last_seen < cutoff))
    return Preview(
        recipients=len(going),
        skipped=len(found) - len(going),
        by_channel=dict(Counter(r.channel for r in going)),
        wechat_closed=closed,
        households=len({r.household_no for r in going}),
    )
