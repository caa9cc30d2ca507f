"""Ledger files for the tests: the template's sample rows (示例县, invented), edited cell by cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from bot.households.columns import COLUMNS
from bot.households.template import sample_id, sample_rows
from bot.settings import DEFAULT_KNOWLEDGE_DIR
from knowledge.params import load_params

PARAMS = load_params(DEFAULT_KNOWLEDGE_DIR)
HEADER = [c.header for c in COLUMNS]
KEY = "test-household-key"


def rows(**edits: Mapping[str, Any]) -> list[dict[str, str]]:
    """The three sample rows as {header: text}; `edits` by 户号: {header: new text}."""
    result = [dict(zip(HEADER, row, strict=True)) for row in sample_rows(PARAMS)]
    for row in result:
        row.update(edits.get(row["户号"], {}))
    return result


def many(n: int) -> list[dict[str, str]]:
    """`n` households of the sample county (invented names and ID numbers)."""
    districts = [d["name"] for d in PARAMS["districts"]]
    return [
        {
            **dict.fromkeys(HEADER, ""),
            "户号": f"T-{i:06d}",
            "片区": districts[i % len(districts)],
            "地址": f"示例县测试路{i}号",
            "户主姓名": f"示例{i}",
            "户主身份证号": sample_id("19600101", f"{i % 1000:03d}"),
            "合法建筑面积（㎡）": f"{60 + i % 90}.50",
            "用途": "住宅",
            "协议状态": "未签约",
        }
        for i in range(n)
    ]


def csv_bytes(records: list[dict[str, str]], encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    columns = header or HEADER
    writer.writerow(columns)
    for record in records:
        writer.writerow([record.get(h, "") for h in columns])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(records: list[dict[str, Any]], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    columns = header or HEADER
    sheet.append(columns)
    for record in records:
        sheet.append([record.get(h, "") for h in columns])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
