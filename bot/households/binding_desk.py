"""The dialogue core's side of binding (bot/core/binding_port.py BindingDesk): bind with a one-time code or with
户号 + 户主 name + the last 6 digits of the ID number, list and remove members, unbind — for one resident, inside
the transaction of the message being handled.

Every attempt is counted first (bot/households/attempts.py) and refused while locked; a failure says nothing of
what was wrong (a used or expired code, an unknown 户号, a wrong name or digits are one outcome) and is logged
without anything that was typed."""

from __future__ import annotations

import hmac
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.binding_port import (
    BindByCode,
    BindByIdTail,
    BindingResult,
    BoundHousehold,
    ListMembers,
    MemberRemoval,
    RemoveMember,
    Unbind,
    Via,
)
from bot.db.base import table_of
from bot.households import attempts
from bot.households.bindings import bind, bound_household, household_of
from bot.households.codes import normalise_code, take_code
from bot.households.idcard import id_tail_hash, normalise_id
from bot.households.models import Household, HouseholdBinding
from bot.settings import Settings

log = logging.getLogger(__name__)
households = table_of(Household)
bindings = table_of(HouseholdBinding)
_TAIL = re.compile(r"\d{5}[\dX]")
_NAME_NOISE = re.compile(r"[\s·•・.]")
MAX_FIELD = 64


@dataclass(frozen=True)
class BindingRules:
    """What binding needs from the settings: the ledger's key, and the attempt limits."""

    key: str = ""
    attempts: attempts.AttemptRules = field(default_factory=attempts.AttemptRules)

    @classmethod
    def from_settings(cls, settings: Settings) -> BindingRules:
        window = timedelta(hours=settings.household_bind_lock_hours)
        return cls(settings.household_id_key, attempts.AttemptRules(settings.household_bind_failures, window))


def _name(text: str) -> str:
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


class HouseholdBindingDesk:
    def __init__(self, rules: BindingRules | None = None) -> None:
        self._rules = rules or BindingRules()
        self._key = self._rules.key.encode()

    async def bind_by_code(
        self, conn: AsyncConnection, resident_id: int, effect: BindByCode, now: datetime
    ) -> BindingResult:
        if not self._key:
            return BindingResult("unavailable")
        keys = attempts.attempt_keys(self._key, resident_id, effect.client)
        if not await attempts.claim(conn, keys, now, self._rules.attempts):
            log.warning("household binding refused (locked): via=code resident=%s", resident_id)
            return BindingResult("locked")
        code = normalise_code(effect.code)
        household_id = await take_code(conn, self._key, code, now) if code is not None else None
        if household_id is None:
            return await self._failed(conn, keys, now, "code", resident_id)
        return await self._bound(conn, keys, resident_id, household_id, "code", now)

    async def bind_by_id_tail(
        self, conn: AsyncConnection, resident_id: int, effect: BindByIdTail, now: datetime
    ) -> BindingResult:
        if not self._key:
            return BindingResult("unavailable")
        number = unicodedata.normalize("NFKC", effect.household_no).strip()[:MAX_FIELD]
        keys = attempts.attempt_keys(self._key, resident_id, effect.client, number)
        if not await attempts.claim(conn, keys, now, self._rules.attempts):
            log.warning("household binding refused (locked): via=id_tail resident=%s", resident_id)
            return BindingResult("locked")
        house = None
        if number and len(number) <= 32:
            house = (
                await conn.execute(
                    select(
                        households.c.id, households.c.household_no, households.c.head_name, households.c.id_tail_hash
                    )
                    .where(households.c.household_no.in_(sorted({number, number.upper()})))
                    .limit(1)
                )
            ).first()
        tail = normalise_id(effect.id_tail[:MAX_FIELD])
        matches = (
            house is not None
            and house.id_tail_hash is not None
            and _TAIL.fullmatch(tail) is not None
            and _name(effect.head_name[:MAX_FIELD]) == _name(house.head_name)
            and hmac.compare_digest(id_tail_hash(self._key, house.household_no, tail), house.id_tail_hash)
        )
        if not matches or house is None:
            return await self._failed(conn, keys, now, "id_tail", resident_id)
        return await self._bound(conn, keys, resident_id, house.id, "id_tail", now)

    async def members(
        self, conn: AsyncConnection, resident_id: int, effect: ListMembers, now: datetime
    ) -> BoundHousehold | None:
        household_id = await household_of(conn, resident_id)
        return None if household_id is None else await bound_household(conn, household_id, resident_id)

    async def remove_member(
        self, conn: AsyncConnection, resident_id: int, effect: RemoveMember, now: datetime
    ) -> MemberRemoval:
        household_id = await household_of(conn, resident_id)
        if household_id is None:
            return MemberRemoval(False, None)
        removed = await conn.execute(
            delete(bindings).where(bindings.c.id == effect.binding_id, bindings.c.household_id == household_id)
        )
        if removed.rowcount:
            log.info("household binding %s removed by a member (resident %s)", effect.binding_id, resident_id)
        still = await household_of(conn, resident_id)  # removing oneself is unbinding
        view = None if still is None else await bound_household(conn, household_id, resident_id)
        return MemberRemoval(bool(removed.rowcount), view)

    async def unbind(
        self, conn: AsyncConnection, resident_id: int, effect: Unbind, now: datetime
    ) -> BoundHousehold | None:
        household_id = await household_of(conn, resident_id)
        if household_id is None:
            return None
        view = await bound_household(conn, household_id, resident_id)
        await conn.execute(delete(bindings).where(bindings.c.resident_id == resident_id))
        log.info("household binding deleted by its resident %s", resident_id)
        return view

    async def _failed(
        self, conn: AsyncConnection, keys: list[attempts.Key], now: datetime, via: Via, resident_id: int
    ) -> BindingResult:
        locked = await attempts.failed(conn, keys, now, self._rules.attempts)
        log.warning(
            "household binding failed: via=%s resident=%s%s", via, resident_id, " (now locked)" if locked else ""
        )
        return BindingResult("locked" if locked else "failed")

    async def _bound(
        self,
        conn: AsyncConnection,
        keys: list[attempts.Key],
        resident_id: int,
        household_id: int,
        via: Via,
        now: datetime,
    ) -> BindingResult:
        await attempts.succeeded(conn, keys)
        await bind(conn, resident_id, household_id, via, now)
        log.info("resident %s bound to household %s (via %s)", resident_id, household_id, via)
        return BindingResult("bound", await bound_household(conn, household_id, resident_id))
