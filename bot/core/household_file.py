"""The read port on a resident's own household file (issue 14, point 3): what a bound resident may be shown of
their household's row of the ledger — no ID number, no phone, no head's name — read for this resident only, in the
turn's transaction. The ledger (bot/households/files.py) implements it; handlers read it through
`TurnContext.households`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncConnection


@dataclass(frozen=True)
class HouseholdFile:
    """One household of the ledger as its own members may see it. Codes (use, option, status) as the ledger keeps
    them (bot/households/vocabulary.py); areas in m², money in 元."""

    household_no: str  # 户号
    district: str  # district id of knowledge/params.yaml
    address: str
    legal_area: Decimal
    recognised_area: Decimal | None
    use: str
    assessed_value: Decimal | None
    appraisal_report_no: str | None
    decoration_value: Decimal | None
    chosen_option: str | None
    agreement_status: str
    agreement_date: date | None
    selection_no: str | None
    selection_date: date | None
    handover_date: date | None
    compensation_paid: Decimal | None
    transition_payments: tuple[tuple[str, Decimal], ...]  # ("YYYY-MM", 元), by month
    updated_at: datetime  # when an import last changed the row: the date every answer cites
    import_id: int  # the import that last changed it


class HouseholdReader(Protocol):
    """The narrow read port on the household ledger, bound by the core to one resident and one transaction."""

    async def own_file(self) -> HouseholdFile | None:
        """The household this resident is bound to, or None (not bound)."""


class NoHousehold:
    """A HouseholdReader for turns without a ledger (unit tests of step functions): nobody is bound."""

    async def own_file(self) -> HouseholdFile | None:
        return None


class HouseholdDesk(Protocol):
    """The ledger as the core uses it: a reader for one resident in the turn's transaction."""

    def reader(self, conn: AsyncConnection, resident_id: int) -> HouseholdReader:
        """The resident's own household file, read in `conn`'s transaction."""
