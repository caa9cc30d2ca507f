"""The port of household binding (issue 14, point 2): the effects a turn asks for to link the resident's chat to a
household of the ledger, to see and remove the household's other members, or to unbind — and what they produce.

Handlers build the effects (handlers/binding.py); the desk behind the port is bot/households/binding_desk.py, handed
to the core by bot/dialogue_wiring.py and called inside the turn's transaction (so a "已绑定" shown is committed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncConnection

Via = Literal["code", "id_tail"]
# "failed": whatever was wrong (a used, expired or unknown code; a 户号, name or digits that do not match — never
# which); "locked": too many failures, nothing was checked; "unavailable": binding is not set up (no key)
BindOutcome = Literal["bound", "failed", "locked", "unavailable"]


@dataclass(frozen=True)
class Member:
    """One chat bound to the household, as its members see it: a label, never the channel's id."""

    binding_id: int
    label: str
    via: str  # Via
    bound_at: datetime
    me: bool  # the resident who asks


@dataclass(frozen=True)
class BoundHousehold:
    """The household a resident is bound to, as the binding flow shows it (minimum data: no figures here)."""

    household_no: str
    address: str
    head_name: str  # masked: 张**
    members: tuple[Member, ...]


@dataclass(frozen=True)
class BindingResult:
    outcome: BindOutcome
    household: BoundHousehold | None = None  # set when bound


@dataclass(frozen=True)
class MemberRemoval:
    removed: bool  # False: not a member of the resident's household (any more)
    household: BoundHousehold | None  # the household as it is now; None when the resident is not bound


@dataclass(frozen=True)
class BindByCode:
    """Bind with the one-time code printed for the household; outcome under `ref`: a BindingResult."""

    ref: str
    code: str
    client: str | None = None  # the web adapter's digest of the caller's address: failures are counted on it too


@dataclass(frozen=True)
class BindByIdTail:
    """Bind with 户号 + 户主 name + the last 6 digits of the 户主's ID number; outcome: a BindingResult."""

    ref: str
    household_no: str
    head_name: str
    id_tail: str
    client: str | None = None


@dataclass(frozen=True)
class ListMembers:
    """The resident's household and its members; outcome: BoundHousehold, or None when not bound."""

    ref: str = "household"


@dataclass(frozen=True)
class RemoveMember:
    """Remove another member (their binding) from the resident's own household; outcome: MemberRemoval."""

    binding_id: int
    ref: str = "removed"


@dataclass(frozen=True)
class Unbind:
    """Unbind the resident (their binding is deleted); outcome: the BoundHousehold they left, or None."""

    ref: str = "unbound"


BindingEffect = BindByCode | BindByIdTail | ListMembers | RemoveMember | Unbind


class BindingDesk(Protocol):
    """The household ledger's side of binding (bot/households/binding_desk.py), inside the turn's transaction."""

    async def bind_by_code(
        self, conn: AsyncConnection, resident_id: int, effect: BindByCode, now: datetime
    ) -> BindingResult:
        """Use the code (once) and bind; failures counted, refused while locked."""

    async def bind_by_id_tail(
        self, conn: AsyncConnection, resident_id: int, effect: BindByIdTail, now: datetime
    ) -> BindingResult:
        """Compare 户号, name and the 6 digits with the ledger and bind; failures counted, refused while locked."""

    async def members(
        self, conn: AsyncConnection, resident_id: int, effect: ListMembers, now: datetime
    ) -> BoundHousehold | None:
        """The resident's household and who is bound to it."""

    async def remove_member(
        self, conn: AsyncConnection, resident_id: int, effect: RemoveMember, now: datetime
    ) -> MemberRemoval:
        """Delete another member's binding to the resident's own household."""

    async def unbind(
        self, conn: AsyncConnection, resident_id: int, effect: Unbind, now: datetime
    ) -> BoundHousehold | None:
        """Delete the resident's own binding."""


class NoBindings:
    """A BindingDesk for a core built without the ledger (unit tests of the core): binding is not available."""

    async def bind_by_code(
        self, conn: AsyncConnection, resident_id: int, effect: BindByCode, now: datetime
    ) -> BindingResult:
        return BindingResult("unavailable")

    async def bind_by_id_tail(
        self, conn: AsyncConnection, resident_id: int, effect: BindByIdTail, now: datetime
    ) -> BindingResult:
        return BindingResult("unavailable")

    async def members(
        self, conn: AsyncConnection, resident_id: int, effect: ListMembers, now: datetime
    ) -> BoundHousehold | None:
        return None

    async def remove_member(
        self, conn: AsyncConnection, resident_id: int, effect: RemoveMember, now: datetime
    ) -> MemberRemoval:
        return MemberRemoval(False, None)

    async def unbind(
        self, conn: AsyncConnection, resident_id: int, effect: Unbind, now: datetime
    ) -> BoundHousehold | None:
        return None


async def write_binding(
    desk: BindingDesk, conn: AsyncConnection, resident_id: int, effect: BindingEffect, now: datetime
) -> object:
    """The outcome of one binding effect, written by `desk`."""
    if isinstance(effect, BindByCode):
        return await desk.bind_by_code(conn, resident_id, effect, now)
    if isinstance(effect, BindByIdTail):
        return await desk.bind_by_id_tail(conn, resident_id, effect, now)
    if isinstance(effect, ListMembers):
        return await desk.members(conn, resident_id, effect, now)
    if isinstance(effect, RemoveMember):
        return await desk.remove_member(conn, resident_id, effect, now)
    return await desk.unbind(conn, resident_id, effect, now)
