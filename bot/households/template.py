"""The ledger template (`python -m bot households template FILE`): the columns, three sample households of 示例县
(invented: names 示例·…, ID numbers with the made-up area code 999999 and a correct check digit) and a 说明 sheet."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from bot.households.columns import COLUMNS
from bot.households.idcard import check_digit


def sample_id(birth: str, serial: str) -> str:
    first17 = "999999" + birth + serial
    return first17 + check_digit(first17)


def sample_rows(params: Mapping) -> list[list[str]]:
    """Three households of the sample county, one per district of the parameter file (as many as it has)."""
    names = [str(d["name"]) for d in params.get("districts") or ()] or ["东关片区"]
    samples = [
        [
            "DG-0001",
            "示例县东关街1号",
            "示例甲",
            sample_id("19580312", "001"),
            "",
            "86.50",
            "",
            "住宅",
            "449800",
            "SL-PG-2026-0001",
            "32000",
            "货币补偿",
            "已签约",
            "2026-03-15",
            "",
            "",
            "2026-04-30",
            "449800",
            "2026-04:1500；2026-05:1500",
        ],
        [
            "XJ-0002",
            "示例县西街社区2栋3号",
            "示例乙",
            sample_id("19650708", "002"),
            "",
            "102.30",
            "12.00",
            "商住混合",
            "",
            "",
            "",
            "产权调换",
            "已签约",
            "2026-03-20",
            "A-015",
            "2026-04-10",
            "",
            "",
            "2026-04:1800",
        ],
        [
            "NH-0003",
            "示例县南河路66号附3号",
            "示例丙",
            sample_id("19720101", "003"),
            "",
            "64.00",
            "",
            "住宅",
            "",
            "",
            "",
            "",
            "未签约",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
    ]
    for index, row in enumerate(samples):
        row.insert(1, names[index % len(names)])
    return samples


def write_template(path: Path, params: Mapping) -> None:
    header = [c.header for c in COLUMNS]
    rows = sample_rows(params)
    if path.suffix.lower() == ".csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(rows)
        path.write_bytes(buffer.getvalue().encode("utf-8-sig"))  # the BOM: Excel opens it as UTF-8
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "分户台账"
    sheet.append(header)
    for row in rows:
        sheet.append(row)  # text cells throughout: 户号 and dates keep their spelling
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, len(column.header) * 2 + 2)
    notes = book.create_sheet("说明")
    notes.append(["列", "必填", "说明"])
    for column in COLUMNS:
        notes.append([column.header, "是" if column.required else "", column.note])
    notes.append([])
    notes.append(
        ["示例行均为虚构（示例县），导入前请删除。只导入第一页；公式请先转成数值；按户号再次导入会更新并留下修改记录。"]
    )
    book.save(path)
