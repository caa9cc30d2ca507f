"""Who is bound to a household: the rows of `household_bindings` as a member sees them in the chat (labels, never
another member's channel id) and as staff see them on a household's page (how many, when, by code or by ID
digits); and the binding itself (one household per resident: binding again moves the resident)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.binding_port import BoundHousehold, Member
from bot.db.base import table_of
from bot.db.models import Resident
from bot.db.upsert import insert_for
from bot.households.codes import mask_name
from bot.households.models import Household, HouseholdBinding, HouseholdCode

bindings = table_of(HouseholdBinding)
households = table_of(Household)
residents = table_of(Resident)
codes = table_of(HouseholdCode)
CHANNEL_LABELS = {"web": "网页用户", "wechat": "微信用户", "telegram": "Telegram 用户", "console": "本机用户"}
VIA_LABELS = {"code": "绑定码", "id_tail": "户号＋户主姓名＋身份证后6位"}


def member_label(channel: str, user_key: str) -> str:
    """ "微信用户 3F2A": the channel and four characters of a digest of the id — enough to tell members apart."""
    tag = hashlib.sha256(f"member:{channel}:{user_key}".encode()).hexdigest()[:4].upper()
    return f"{CHANNEL_LABELS.get(channel, '用户')} {tag}"


async def bind(conn: AsyncConnection, resident_id: int, household_id: int, via: str, now: datetime) -> None:
    """Bind the resident to the household (moving them if they were bound to another)."""
    resident = (
        await conn.execute(select(residents.c.channel, residents.c.user_key).where(residents.c.id == resident_id))
    ).one()
    values = {"household_id": household_id, "via": via, "label": member_label(resident.channel, resident.user_key)}
    stmt = insert_for(conn, bindings).values(resident_id=resident_id, bound_at=now, **values)
    await conn.execute(
        stmt.on_conflict_do_update(index_elements=["resident_id"], set_={**values, "bound_at": stmt.excluded.bound_at})
    )


async def household_of(conn: AsyncConnection, resident_id: int) -> int | None:
    """The id of the household the resident is bound to."""
    return await conn.scalar(select(bindings.c.household_id).where(bindings.c.resident_id == resident_id))


async def bound_household(conn: AsyncConnection, household_id: int, resident_id: int) -> BoundHousehold | None:
    """The household and its members, as `resident_id` (one of them) sees them."""
    house = (
        await conn.execute(
            select(households.c.household_no, households.c.address, households.c.head_name).where(
                households.c.id == household_id
            )
        )
    ).first()
    if house is None:
        return None
    rows = await conn.execute(
        select(bindings.c.id, bindings.c.label, bindings.c.via, bindings.c.bound_at, bindings.c.resident_id)
        .where(bindings.c.household_id == household_id)
        .order_by(bindings.c.bound_at, bindings.c.id)
    )
    members = tuple(Member(r.id, r.label, r.via, r.bound_at, r.resident_id == resident_id) for r in rows)
    return BoundHousehold(house.household_no, house.address, mask_name(house.head_name), members)


@dataclass(frozen=True)
class StaffMember:
    label: str
    via: str  # its Chinese label
    bound_at: datetime


@dataclass(frozen=True)
class BindingSummary:
    """A household's bindings for its page on the dashboard (templates/staff/_household_bindings.html)."""

    count: int
    members: tuple[StaffMember, ...]
    code_valid_until: datetime | None  # the printed code not used yet, if any


async def binding_summary(conn: AsyncConnection, household_id: int, now: datetime) -> BindingSummary:
    rows = (
        await conn.execute(
            select(bindings.c.label, bindings.c.via, bindings.c.bound_at)
            .where(bindings.c.household_id == household_id)
            .order_by(bindings.c.bound_at, bindings.c.id)
        )
    ).all()
    valid = await conn.scalar(
        select(func.max(codes.c.expires_at)).where(
            codes.c.household_id == household_id,
            codes.c.used_at.is_(None),
            codes.c.voided_at.is_(None),
            codes.c.expires_at > now,
        )
    )
    members = tuple(StaffMember(r.label, VIA_LABELS.get(r.via, r.via), r.bound_at) for r in rows)
    return BindingSummary(len(members), members, valid)


@dataclass(frozen=True)
class DistrictCodes:
    district: str
    households: int
    with_code: int  # households holding a code neither used, voided nor expired
    bound: int  # households with at least one member bound


async def district_codes(conn: AsyncConnection, now: datetime) -> dict[str, DistrictCodes]:
    """Per district: households, those with a valid code, those bound."""
    valid = and_(codes.c.used_at.is_(None), codes.c.voided_at.is_(None), codes.c.expires_at > now)
    with_code = (
        select(households.c.district, func.count(distinct(codes.c.household_id)).label("n"))
        .join(codes, codes.c.household_id == households.c.id)
        .where(valid)
        .group_by(households.c.district)
    )
    bound = (
        select(households.c.district, func.count(distinct(bindings.c.household_id)).label("n"))
        .join(bindings, bindings.c.household_id == households.c.id)
        .group_by(households.c.district)
    )
    total = select(households.c.district, func.count().label("n")).group_by(households.c.district)
    counts: dict[str, dict[str, int]] = {}
    for name, query in (("households", total), ("with_code", with_code), ("bound", bound)):
        for row in await conn.execute(query):
            counts.setdefault(row.district, {})[name] = row.n
    return {
        d: DistrictCodes(d, c.get("households", 0), c.get("with_code", 0), c.get("bound", 0)) for d, c in counts.items()
    }
