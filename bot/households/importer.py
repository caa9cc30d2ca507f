"""Applying a checked ledger: what it would change (the preview), then every row in one transaction. A re-import
updates households by 户号 and writes one history row per changed field: who, when, old → new as staff read it
(ID numbers by their last 4 digits only). Households absent from the file stay as they are."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.households.idcard import id_hash, id_tail_hash
from bot.households.models import Household, HouseholdChange, HouseholdImport
from bot.households.validate import LedgerRow

households = table_of(Household)
changes = table_of(HouseholdChange)
imports = table_of(HouseholdImport)

# the columns a row of the file sets, in the order the history lists them
DATA_FIELDS = (
    "district",
    "address",
    "head_name",
    "id_hash",
    "id_last4",
    "id_tail_hash",
    "phones",
    "legal_area",
    "recognised_area",
    "use",
    "assessed_value",
    "appraisal_report_no",
    "decoration_value",
    "chosen_option",
    "agreement_status",
    "agreement_date",
    "selection_no",
    "selection_date",
    "handover_date",
    "compensation_paid",
    "transition_payments",
)
_HIDDEN = {"id_hash", "id_tail_hash"}  # their change is recorded as the ID number's (id_last4 → "尾号 1234")
_FIELD = {"id_last4": "id_number"}  # the history names fields by the template's column keys
_CHUNK = 500


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: str | None
    new: str | None


@dataclass
class Plan:
    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[int, dict[str, Any], list[FieldChange]]] = field(default_factory=list)  # (id, values, …)
    unchanged: int = 0

    @property
    def rows(self) -> int:
        return len(self.new) + len(self.changed) + self.unchanged


@dataclass(frozen=True)
class ImportResult:
    import_id: int
    created: int
    updated: int
    unchanged: int
    changes: int


def row_values(row: LedgerRow, key: bytes) -> dict[str, Any]:
    return {
        "district": row.district,
        "address": row.address,
        "head_name": row.head_name,
        "id_hash": id_hash(key, row.id_number),
        "id_last4": row.id_number[-4:],
        "id_tail_hash": id_tail_hash(key, row.household_no, row.id_number),
        "phones": list(row.phones),
        "legal_area": row.legal_area,
        "recognised_area": row.recognised_area,
        "use": row.use,
        "assessed_value": row.assessed_value,
        "appraisal_report_no": row.appraisal_report_no,
        "decoration_value": row.decoration_value,
        "chosen_option": row.chosen_option,
        "agreement_status": row.agreement_status,
        "agreement_date": row.agreement_date,
        "selection_no": row.selection_no,
        "selection_date": row.selection_date,
        "handover_date": row.handover_date,
        "compensation_paid": row.compensation_paid,
        "transition_payments": dict(row.transition_payments),
    }


def shown(name: str, value: Any) -> str | None:
    """A value as the history shows it."""
    if value is None or value == [] or value == {}:
        return None
    if name == "id_last4":
        return f"尾号 {value}"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if isinstance(value, dict):
        return "；".join(f"{k}:{v}" for k, v in value.items())
    return str(value)


def _differences(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    found = [
        FieldChange(_FIELD.get(name, name), shown(name, old[name]), shown(name, new[name]))
        for name in DATA_FIELDS
        if name not in _HIDDEN and _norm(old[name]) != _norm(new[name])
    ]
    if old["id_hash"] != new["id_hash"] and old["id_last4"] == new["id_last4"]:
        last4 = shown("id_last4", new["id_last4"])
        found.append(FieldChange("id_number", last4, f"{last4}（号码已更改）"))
    return found


def _norm(value: Any) -> Any:
    return None if value in (None, [], {}) else value


async def plan_import(conn: AsyncConnection, rows: Sequence[LedgerRow], key: bytes) -> Plan:
    """What importing `rows` would do, against the ledger as `conn` sees it."""
    plan = Plan()
    existing: dict[str, dict[str, Any]] = {}
    numbers = [r.household_no for r in rows]
    columns = [households.c.id, households.c.household_no, *(households.c[name] for name in DATA_FIELDS)]
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start : start + _CHUNK]
        result = await conn.execute(select(*columns).where(households.c.household_no.in_(chunk)))
        for record in result.mappings():
            existing[record["household_no"]] = dict(record)
    for row in rows:
        values = row_values(row, key)
        old = existing.get(row.household_no)
        if old is None:
            plan.new.append({"household_no": row.household_no, **values})
            continue
        differences = _differences(old, values)
        if differences:
            plan.changed.append((old["id"], values, differences))
        else:
            plan.unchanged += 1
    return plan


async def apply_import(
    conn: AsyncConnection, rows: Sequence[LedgerRow], key: bytes, *, by: str, now: datetime, file_name: str, sha256: str
) -> ImportResult:
    """Import `rows` in the caller's transaction (commit or roll back as one). Imports run one at a time."""
    if conn.dialect.name == "postgresql":
        await conn.execute(text("LOCK TABLE households IN SHARE ROW EXCLUSIVE MODE"))
    plan = await plan_import(conn, rows, key)
    import_id = (
        await conn.execute(
            insert(imports)
            .values(
                file_name=file_name[:200],
                sha256=sha256,
                imported_by=by[:100],
                imported_at=now,
                rows=plan.rows,
                created=len(plan.new),
                updated=len(plan.changed),
                unchanged=plan.unchanged,
            )
            .returning(imports.c.id)
        )
    ).scalar_one()
    stamp = {"updated_at": now, "import_id": import_id}
    for batch in _batches(plan.new):
        await conn.execute(insert(households), [{**values, **stamp, "created_at": now} for values in batch])
    if plan.changed:
        statement = (
            update(households)
            .where(households.c.id == bindparam("_id"))
            .values({name: bindparam("v_" + name) for name in (*DATA_FIELDS, *stamp)})
        )
        for batch in _batches(plan.changed):
            await conn.execute(
                statement,
                [{"_id": ident, **{"v_" + k: v for k, v in {**values, **stamp}.items()}} for ident, values, _ in batch],
            )
        history = [
            {
                "household_id": ident,
                "import_id": import_id,
                "field": c.field,
                "old_value": c.old,
                "new_value": c.new,
                "changed_by": by[:100],
                "changed_at": now,
            }
            for ident, _, found in plan.changed
            for c in found
        ]
        for batch in _batches(history):
            await conn.execute(insert(changes), batch)
    count = sum(len(found) for _, _, found in plan.changed)
    return ImportResult(import_id, len(plan.new), len(plan.changed), plan.unchanged, count)


def _batches(items: Sequence[Any], size: int = 5000) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
