"""The per-row, per-column report staff read before anything is imported: every kind of bad input named in issue 14
gets a line in Chinese at its row and column, and the template's own samples pass."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bot.households.idcard import check_digit, id_problem
from bot.households.ledger import check_file
from bot.households.template import write_template
from tests.households.ledger_files import HEADER, PARAMS, csv_bytes, rows, xlsx_bytes

TODAY = date(2026, 12, 2)
LIMIT = 1024 * 1024


def lines(name: str, data: bytes, limit: int = LIMIT) -> list[str]:
    report = check_file(name, data, PARAMS, TODAY, limit)
    return [p.line() for p in report.problems]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_the_template_passes_with_its_samples(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"ledger{suffix}"
    write_template(path, PARAMS)
    report = check_file(path.name, path.read_bytes(), PARAMS, TODAY, LIMIT)
    assert report.ok, report.problems
    assert [r.household_no for r in report.rows] == ["DG-0001", "XJ-0002", "NH-0003"]
    first = report.rows[0]
    assert (first.district, str(first.legal_area), first.transition_payments) == (
        "dongguan",
        "86.50",
        (("2026-04", "1500.00"), ("2026-05", "1500.00")),
    )


def test_gb11643_check_digit() -> None:
    assert check_digit("11010519491231002") == "X"  # the standard's own example
    assert id_problem("11010519491231002X", TODAY) is None
    assert id_problem("110105194912310021", TODAY) == "身份证号校验位不对，请核对是否抄错"
    assert id_problem("110105194902300021", TODAY) == "身份证号中的出生日期不存在"
    assert id_problem("1101051949123100", TODAY) is not None


def test_each_bad_cell_is_reported_at_its_row_and_column() -> None:
    data = csv_bytes(
        rows(
            **{
                "DG-0001": {"户主身份证号": "110105194912310021", "合法建筑面积（㎡）": "0"},
                "XJ-0002": {"认定面积（㎡）": "99999", "选房日期": "2026-02-30", "片区": "月亮片区"},
                "NH-0003": {"签约日期": "2026-05-01", "已付过渡费（按月）": "2026-13:100", "户号": ""},
            }
        )
    )
    assert lines("l.csv", data) == [
        "第 2 行「户主身份证号」：身份证号校验位不对，请核对是否抄错",
        "第 2 行「合法建筑面积（㎡）」：合法建筑面积应大于 0",
        "第 3 行「片区」：片区应为东关片区、西街片区、南河片区、北山片区之一",
        "第 3 行「认定面积（㎡）」：认定面积超过 5,000 ㎡，不合理，请核对",
        "第 3 行「选房日期」：选房日期不是存在的日期",
        "第 4 行「户号」：不能为空",
        "第 4 行「已付过渡费（按月）」：过渡费月份 2026-13 不存在",
    ]
    # the ID number itself never appears in the report
    assert not any("110105194912310021" in line for line in lines("l.csv", data))


def test_rules_between_columns() -> None:
    data = csv_bytes(
        rows(
            **{
                "DG-0001": {"签约日期": "", "评估报告编号": ""},
                "NH-0003": {"签约日期": "2026-05-01"},
                "XJ-0002": {"签约日期": "2027-01-05"},
            }
        )
    )
    assert lines("l.csv", data) == [
        "第 2 行「评估报告编号」：填写了评估价值，请同时填写评估报告编号",
        "第 2 行「签约日期」：已签约的户请填写签约日期",
        "第 3 行「签约日期」：签约日期晚于今天（2026-12-02），请核对",
        "第 4 行「签约日期」：协议状态为未签约，却填写了签约日期",
    ]


def test_duplicate_household_numbers_and_missing_columns() -> None:
    assert lines("l.csv", csv_bytes(rows(**{"XJ-0002": {"户号": "DG-0001"}}))) == [
        "第 3 行「户号」：户号 DG-0001 与第 2 行重复"
    ]
    without = [h for h in HEADER if h not in ("户主身份证号", "协议状态")]
    assert lines("l.csv", csv_bytes(rows(), header=without)) == [
        "文件「户主身份证号」：缺少这一列（请用 python -m bot households template 生成的模板）",
        "文件「协议状态」：缺少这一列（请用 python -m bot households template 生成的模板）",
    ]


def test_gbk_csv_reads_like_utf8() -> None:
    assert check_file("l.csv", csv_bytes(rows(), "gbk"), PARAMS, TODAY, LIMIT).ok
    assert check_file("l.csv", b"\xef\xbb\xbf" + csv_bytes(rows()), PARAMS, TODAY, LIMIT).ok


def test_formulas_are_refused_in_xlsx_and_csv() -> None:
    records = rows()
    records[1]["评估价值（元）"] = "=F3*5200"
    records[1]["评估报告编号"] = "R-1"
    expected = ["第 3 行「评估价值（元）」：单元格里是公式，请复制后“选择性粘贴 → 数值”再导入"]
    assert lines("l.xlsx", xlsx_bytes(records)) == expected
    assert lines("l.csv", csv_bytes(records)) == expected


def test_files_that_cannot_be_read() -> None:
    assert lines("l.csv", b"x" * (LIMIT + 1)) == ["文件：文件太大（1.0 MB），最大 1 MB；请按片区分成几个文件导入"]
    assert lines("l.xlsx", b"PK\x03\x04 not really a zip") == ["文件：文件不是有效的 .xlsx 表格（可能已损坏）"]
    assert lines("l.xls", b"\xd0\xcf\x11\xe0 old excel") == [
        "文件：只支持 .xlsx 和 .csv 文件，请在 Excel/WPS 中“另存为” .xlsx"
    ]
    assert lines("l.csv", b"") == ["文件：文件是空的"]
    assert lines("l.csv", "户号\n".encode() + b"\xff\xfe\xfd\x80\x80") == [
        "文件：无法识别文件的编码，请另存为 UTF-8 或 GBK 编码的 CSV，或 .xlsx"
    ]
    assert lines("l.csv", csv_bytes([])) == ["文件：表格里没有数据行"]


def test_excel_numbers_and_dates_are_read_as_typed() -> None:
    from datetime import datetime

    records: list[dict] = rows()  # type: ignore[assignment]
    records[1]["认定面积（㎡）"] = "１２．５㎡"  # full-width digits and the unit, as typed in WPS
    records[0].update(
        {"户号": 1001, "合法建筑面积（㎡）": 86.5, "评估价值（元）": 449800, "签约日期": datetime(2026, 3, 15)}  # noqa: DTZ001 - an Excel date cell is naive
    )
    report = check_file("l.xlsx", xlsx_bytes(records), PARAMS, TODAY, LIMIT)
    assert report.ok, report.problems
    first = report.rows[0]
    assert (first.household_no, str(first.legal_area), str(first.assessed_value), first.agreement_date) == (
        "1001",
        "86.50",
        "449800.00",
        date(2026, 3, 15),
    )
    assert report.rows[1].recognised_area == Decimal("12.50")
