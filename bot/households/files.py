"""A household's file as its bound members see it (bot/core/household_file.py): read for one resident by one
indexed query — the binding by its unique `resident_id`, joined to the household by its primary key — inside the
turn's transaction. The staff page builds the same file from the row it loads (`file_of_row`)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.core.household_file import HouseholdFile, HouseholdReader
from bot.db.base import table_of
from bot.households.models import Household, HouseholdBinding

households = table_of(Household)
bindings = table_of(HouseholdBinding)
FILE_COLUMNS = (
    "household_no", "district", "address", "legal_area", "recognised_area", "use", "assessed_value",
    "appraisal_report_no", "decoration_value", "chosen_option", "agreement_status", "agreement_date",
    "selection_no", "selection_date", "handover_date", "compensation_paid", "transition_payments", "updated_at",
    "import_id",
)  # fmt: skip
# built once (its compiled SQL is cached): only what a member may see, never the ID hashes, phones or the head's name
_OWN_FILE = (
    select(*(households.c[name] for name in FILE_COLUMNS))
    .select_from(bindings.join(households, households.c.id == bindings.c.household_id))
    .where(bindings.c.resident_id == bindparam("rid"))
)


def file_of_row(row: Mapping[Any, Any]) -> HouseholdFile:
    """The file of a `households` row (any mapping with FILE_COLUMNS)."""
    values = {name: row[name] for name in FILE_COLUMNS}
    values["transition_payments"] = _payments(row["transition_payments"])
    return HouseholdFile(**values)


def _payments(raw: object) -> tuple[tuple[str, Decimal], ...]:
    """{"2026-04": "1500.00", …} → (("2026-04", Decimal("1500.00")), …) by month; an unreadable amount is left out."""
    if not isinstance(raw, Mapping):
        return ()
    found = []
    for month, amount in raw.items():
        try:
            found.append((str(month), Decimal(str(amount))))
        except InvalidOperation:
            continue
    return tuple(sorted(found))


class _ResidentFile:
    def __init__(self, conn: AsyncConnection, resident_id: int) -> None:
        self._conn = conn
        self._resident_id = resident_id

    async def own_file(self) -> HouseholdFile | None:
        row = (await self._conn.execute(_OWN_FILE, {"rid": self._resident_id})).mappings().first()
        return None if row is None else file_of_row(row)


class LedgerFiles:
    """The HouseholdDesk the dialogue core is given (bot/dialogue_wiring.py)."""

    def reader(self, conn: AsyncConnection, resident_id: int) -> HouseholdReader:
        return _ResidentFile(conn, resident_id)
