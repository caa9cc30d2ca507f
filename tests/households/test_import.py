"""The import on SQLite and PostgreSQL: a clean file creates the households; a re-import by 户号 updates them and the
history shows each changed field's old and new value with who and when; a file with one bad row imports nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db.base import table_of
from bot.households.idcard import id_hash
from bot.households.ledger import NO_KEY, Outcome, import_file
from bot.households.models import Household, HouseholdChange, HouseholdImport
from tests.households.ledger_files import KEY, PARAMS, csv_bytes, many, rows, xlsx_bytes

households = table_of(Household)
changes = table_of(HouseholdChange)
T1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
T2 = datetime(2026, 12, 2, 3, 30, tzinfo=UTC)


async def run(
    engine: AsyncEngine,
    data: bytes,
    *,
    apply: bool = True,
    by: str = "staff:王强",
    now: datetime = T1,
    name: str = "ledger.csv",
    key: str = KEY,
) -> Outcome:
    return await import_file(
        engine,
        name,
        data,
        params=PARAMS,
        key=key,
        by=by,
        now=now,
        today=date(2026, 12, 2),
        max_bytes=1024 * 1024,
        apply=apply,
    )


async def household(engine: AsyncEngine, number: str) -> dict:
    async with engine.connect() as conn:
        return dict(
            (await conn.execute(select(households).where(households.c.household_no == number))).mappings().one()
        )


async def count(engine: AsyncEngine, table=households) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(table))).scalar_one()


async def test_import_stores_the_ledger_without_id_numbers_in_clear(engine: AsyncEngine) -> None:
    outcome = await run(engine, xlsx_bytes(rows()), name="ledger.xlsx")
    assert outcome.result is not None and (outcome.result.created, outcome.result.updated) == (3, 0)
    first = await household(engine, "DG-0001")
    assert first["district"] == "dongguan" and first["head_name"] == "示例甲"
    assert first["legal_area"] == Decimal("86.50") and first["assessed_value"] == Decimal("449800.00")
    assert first["agreement_status"] == "signed" and first["chosen_option"] == "cash"
    assert first["agreement_date"] == date(2026, 3, 15) and first["handover_date"] == date(2026, 4, 30)
    assert first["transition_payments"] == {"2026-04": "1500.00", "2026-05": "1500.00"}
    number = rows()[0]["户主身份证号"]
    assert first["id_last4"] == number[-4:] and first["id_hash"] == id_hash(KEY.encode(), number)
    async with engine.connect() as conn:
        stored = [str(v) for r in (await conn.execute(select(households))).all() for v in r]
    assert not any(number in value or number[:-4] in value for value in stored)
    assert await count(engine, changes) == 0


async def test_preview_writes_nothing_and_says_what_would_change(engine: AsyncEngine) -> None:
    await run(engine, csv_bytes(rows()))
    edited = rows(**{"NH-0003": {"协议状态": "已签约", "签约日期": "2026-11-30", "补偿方式": "产权调换"}})
    preview = await run(engine, csv_bytes(edited), apply=False)
    assert preview.plan is not None and (len(preview.plan.new), len(preview.plan.changed), preview.plan.unchanged) == (
        0,
        1,
        2,
    )
    assert (await household(engine, "NH-0003"))["agreement_status"] == "unsigned"


async def test_reimport_updates_by_household_number_and_keeps_each_change(engine: AsyncEngine) -> None:
    await run(engine, csv_bytes(rows()), by="staff:王强", now=T1)
    new_id = "11010519491231002X"
    edited = rows(
        **{
            "NH-0003": {
                "协议状态": "已签约",
                "签约日期": "2026-11-30",
                "补偿方式": "产权调换",
                "合法建筑面积（㎡）": "66.20",
            },
            "DG-0001": {"已付过渡费（按月）": "2026-04:1500；2026-05:1500；2026-06:1500", "户主身份证号": new_id},
        }
    )
    outcome = await run(engine, csv_bytes(edited), by="staff:李娜", now=T2)
    assert outcome.result is not None
    assert (outcome.result.created, outcome.result.updated, outcome.result.unchanged) == (0, 2, 1)
    async with engine.connect() as conn:
        history = (
            await conn.execute(
                select(
                    households.c.household_no,
                    changes.c.field,
                    changes.c.old_value,
                    changes.c.new_value,
                    changes.c.changed_by,
                    changes.c.changed_at,
                )
                .join(households, households.c.id == changes.c.household_id)
                .order_by(changes.c.id)
            )
        ).all()
    old_tail = rows()[0]["户主身份证号"][-4:]
    assert [tuple(h) for h in history] == [
        ("DG-0001", "id_number", f"尾号 {old_tail}", "尾号 002X", "staff:李娜", T2),
        (
            "DG-0001",
            "transition_payments",
            "2026-04:1500.00；2026-05:1500.00",
            "2026-04:1500.00；2026-05:1500.00；2026-06:1500.00",
            "staff:李娜",
            T2,
        ),
        ("NH-0003", "legal_area", "64.00", "66.20", "staff:李娜", T2),
        ("NH-0003", "chosen_option", None, "exchange", "staff:李娜", T2),
        ("NH-0003", "agreement_status", "unsigned", "signed", "staff:李娜", T2),
        ("NH-0003", "agreement_date", None, "2026-11-30", "staff:李娜", T2),
    ]
    third = await household(engine, "NH-0003")
    assert (third["legal_area"], third["agreement_status"], third["updated_at"]) == (Decimal("66.20"), "signed", T2)
    assert third["created_at"] == T1
    # the same file again changes nothing and adds no history
    again = await run(engine, csv_bytes(edited), now=T2)
    assert again.result is not None and (again.result.updated, again.result.unchanged, again.result.changes) == (
        0,
        3,
        0,
    )
    assert await count(engine, changes) == 6
    assert await count(engine, table_of(HouseholdImport)) == 3


async def test_a_file_with_one_bad_row_imports_nothing(engine: AsyncEngine) -> None:
    await run(engine, csv_bytes(rows()))
    records = many(200) + rows(**{"DG-0001": {"合法建筑面积（㎡）": "86.9"}})
    records[150]["户主身份证号"] = records[150]["户主身份证号"][:-1] + (
        "0" if records[150]["户主身份证号"][-1] != "0" else "1"
    )
    outcome = await run(engine, csv_bytes(records))
    assert outcome.result is None and outcome.plan is None
    assert [p.line() for p in outcome.report.problems] == [
        "第 152 行「户主身份证号」：身份证号校验位不对，请核对是否抄错"
    ]
    assert await count(engine) == 3
    assert (await household(engine, "DG-0001"))["legal_area"] == Decimal("86.50")
    assert await count(engine, changes) == 0


async def test_without_the_id_key_nothing_is_imported(engine: AsyncEngine) -> None:
    outcome = await run(engine, csv_bytes(rows()), key="")
    assert [p.message for p in outcome.report.problems] == [NO_KEY]
    assert await count(engine) == 0


async def test_many_rows_in_batches(engine: AsyncEngine) -> None:
    records = many(6000)
    first = await run(engine, csv_bytes(records))
    assert first.result is not None and first.result.created == 6000
    for record in records[::2]:
        record["地址"] += "（更正）"
    second = await run(engine, csv_bytes(records), now=T2)
    assert second.result is not None and (second.result.updated, second.result.changes) == (3000, 3000)
    assert (await household(engine, "T-000002"))["address"] == "示例县测试路2号（更正）"
