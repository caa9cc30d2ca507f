"""Who may see a project's published results: a resident bound to a household of that project's districts
(household_bindings), looked up again on every request so that unbinding, or a household moved to another district
by a re-import, takes effect at once."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.db.models import Resident
from bot.households.models import Household, HouseholdBinding
from bot.households.projects import Project, Projects

residents = table_of(Resident)
bindings = table_of(HouseholdBinding)
households = table_of(Household)


async def resident_of(conn: AsyncConnection, channel: str, user_key: str) -> int | None:
    """The resident a channel's user is (a web chat session …), if they have written before."""
    found: int | None = await conn.scalar(
        select(residents.c.id).where(residents.c.channel == channel, residents.c.user_key == user_key)
    )
    return found


async def bound_district(conn: AsyncConnection, resident_id: int) -> str | None:
    """The district of the household the resident is bound to, if any."""
    found: str | None = await conn.scalar(
        select(households.c.district)
        .select_from(bindings.join(households, households.c.id == bindings.c.household_id))
        .where(bindings.c.resident_id == resident_id)
    )
    return found


async def bound_project(conn: AsyncConnection, resident_id: int, projects: Projects) -> Project | None:
    district = await bound_district(conn, resident_id)
    return None if district is None else projects.of_district(district)
