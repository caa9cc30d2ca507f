"""A ledger sheet checked row by row, column by column: the rows it holds, or the problems (row, column, what is
wrong, in Chinese). Nothing is imported while a single problem remains."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.households import cells
from bot.households.cells import CellError
from bot.households.columns import BY_KEY, COLUMNS, HEADER_INDEX, header_key
from bot.households.idcard import id_problem, normalise_id
from bot.households.reader import Sheet
from bot.households.vocabulary import OPTION_BY_LABEL, STATUS_BY_LABEL, USE_BY_LABEL, AgreementStatus

MAX_PROBLEMS = 1000  # listed; the count says how many more


@dataclass(frozen=True)
class Problem:
    row: int | None  # None: the whole file (a missing column)
    column: str  # the template's header, "" for the whole row
    message: str

    def line(self) -> str:
        where = "文件" if self.row is None else f"第 {self.row} 行"
        return f"{where}{'「' + self.column + '」' if self.column else ''}：{self.message}"


@dataclass(frozen=True)
class LedgerRow:
    row: int
    household_no: str
    district: str  # district id
    address: str
    head_name: str
    id_number: str  # in memory only: hashed before it reaches the database
    phones: tuple[str, ...]
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
    transition_payments: tuple[tuple[str, str], ...]


@dataclass
class Report:
    rows: list[LedgerRow]
    problems: list[Problem]
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, problem: Problem) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)


def district_names(params: Mapping) -> dict[str, str]:
    """Every spelling of a district the ledger accepts (its name, the name without 片区, its id) → its id."""
    names: dict[str, str] = {}
    for district in params.get("districts") or ():
        ident, name = str(district["id"]), str(district["name"])
        names[name] = names[name.removesuffix("片区")] = names[ident] = ident
    return names


def validate(sheet: Sheet, districts: Mapping[str, str], today: date) -> Report:
    report = Report([], [])
    positions: dict[str, int] = {}
    for index, cell in enumerate(sheet.header):
        column = HEADER_INDEX.get(header_key(cell))
        if column is None:
            continue
        if column.key in positions:
            report.add(Problem(None, column.header, "这一列出现了两次"))
        positions[column.key] = index
    for column in COLUMNS:
        if column.required and column.key not in positions:
            report.add(Problem(None, column.header, "缺少这一列（请用 python -m bot households template 生成的模板）"))
    if not report.ok:
        return report
    for number, index in sheet.formulas:
        key = next((k for k, i in positions.items() if i == index), None)
        report.add(
            Problem(
                number,
                BY_KEY[key].header if key else f"第 {index + 1} 列",
                "单元格里是公式，请复制后“选择性粘贴 → 数值”再导入",
            )
        )
    seen: dict[str, int] = {}
    at = positions["household_no"]
    for number, values in sheet.rows:
        row = _row(number, values, positions, districts, today, report)
        no = cells.folded(values[at]) if at < len(values) else ""
        first = seen.setdefault(no, number) if no else number
        if first != number:
            report.add(Problem(number, BY_KEY["household_no"].header, f"户号 {no} 与第 {first} 行重复"))
        elif row is not None:
            report.rows.append(row)
    if not sheet.rows:
        report.add(Problem(None, "", "表格里没有数据行"))
    order = {c.header: i for i, c in enumerate(COLUMNS)}
    report.problems.sort(key=lambda p: (p.row or 0, order.get(p.column, len(order))))
    return report


def _row(
    number: int,
    values: list[object],
    positions: Mapping[str, int],
    districts: Mapping[str, str],
    today: date,
    report: Report,
) -> LedgerRow | None:
    found: dict[str, object] = {}
    failed = False

    def raw(key: str) -> object:
        index = positions.get(key)
        return values[index] if index is not None and index < len(values) else None

    def read(key: str, reader: Callable[[object], object]) -> None:
        nonlocal failed
        value = raw(key)
        if cells.text(value) == "":
            if BY_KEY[key].required:
                report.add(Problem(number, BY_KEY[key].header, "不能为空"))
                failed = True
            found[key] = None
            return
        try:
            found[key] = reader(value)
        except CellError as exc:
            report.add(Problem(number, BY_KEY[key].header, str(exc)))
            failed = True

    def problem(key: str, message: str) -> None:
        nonlocal failed
        report.add(Problem(number, BY_KEY[key].header, message))
        failed = True

    def choice(options: Mapping[str, object], what: str) -> Callable[[object], object]:
        named = [k for k in options if not k.isascii() and (what != "片区" or k.endswith("片区"))]

        def pick(value: object) -> object:
            text = cells.folded(value)
            if text not in options:
                raise CellError(f"{what}应为{'、'.join(named)}之一")
            return options[text]

        return pick

    def id_number(value: object) -> str:
        number = normalise_id(cells.text(value))
        message = id_problem(number, today)
        if message:
            raise CellError(message)
        return number

    read("household_no", cells.household_no)
    read("district", choice(districts, "片区"))
    read("address", lambda v: cells.bounded_text(v, 200, "地址"))
    read("head_name", lambda v: cells.bounded_text(v, 50, "户主姓名"))
    read("id_number", id_number)
    read("phones", cells.phones)
    read("legal_area", lambda v: cells.area(v, "合法建筑面积"))
    read("recognised_area", lambda v: cells.area(v, "认定面积"))
    read("use", choice(USE_BY_LABEL, "用途"))
    read("assessed_value", lambda v: cells.money(v, "评估价值"))
    read("appraisal_report_no", lambda v: cells.bounded_text(v, 64, "评估报告编号"))
    read("decoration_value", lambda v: cells.money(v, "装修评估"))
    read("chosen_option", choice(OPTION_BY_LABEL, "补偿方式"))
    read("agreement_status", choice(STATUS_BY_LABEL, "协议状态"))
    read("agreement_date", lambda v: cells.day(v, "签约日期"))
    read("selection_no", lambda v: cells.bounded_text(v, 32, "选房号"))
    read("selection_date", lambda v: cells.day(v, "选房日期"))
    read("handover_date", lambda v: cells.day(v, "交房日期"))
    read("compensation_paid", lambda v: cells.money(v, "已付补偿款"))
    read("transition_payments", cells.transition_payments)
    if failed:
        return None

    if found["assessed_value"] is not None and not found["appraisal_report_no"]:
        problem("appraisal_report_no", "填写了评估价值，请同时填写评估报告编号")
    signed = found["agreement_status"] == AgreementStatus.SIGNED
    if signed and found["agreement_date"] is None:
        problem("agreement_date", "已签约的户请填写签约日期")
    if signed and found["chosen_option"] is None:
        problem("chosen_option", "已签约的户请填写补偿方式")
    if not signed and found["agreement_date"] is not None:
        problem("agreement_date", "协议状态为未签约，却填写了签约日期")
    for key in ("agreement_date", "selection_date"):
        when = found[key]
        if isinstance(when, date) and when > today:
            problem(key, f"{BY_KEY[key].header}晚于今天（{today.isoformat()}），请核对")
    if found["selection_no"] and found["selection_date"] is None:
        problem("selection_date", "填写了选房号，请同时填写选房日期")
    if failed:
        return None
    payments = found["transition_payments"] or {}
    assert isinstance(payments, dict)
    return LedgerRow(
        row=number,
        household_no=str(found["household_no"]),
        district=str(found["district"]),
        address=str(found["address"]),
        head_name=str(found["head_name"]),
        id_number=str(found["id_number"]),
        phones=tuple(found["phones"] or ()),  # type: ignore[arg-type]
        legal_area=found["legal_area"],  # type: ignore[arg-type]
        recognised_area=found["recognised_area"],  # type: ignore[arg-type]
        use=str(found["use"]),
        assessed_value=found["assessed_value"],  # type: ignore[arg-type]
        appraisal_report_no=found["appraisal_report_no"] or None,  # type: ignore[arg-type]
        decoration_value=found["decoration_value"],  # type: ignore[arg-type]
        chosen_option=None if found["chosen_option"] is None else str(found["chosen_option"]),
        agreement_status=str(found["agreement_status"]),
        agreement_date=found["agreement_date"],  # type: ignore[arg-type]
        selection_no=found["selection_no"] or None,  # type: ignore[arg-type]
        selection_date=found["selection_date"],  # type: ignore[arg-type]
        handover_date=found["handover_date"],  # type: ignore[arg-type]
        compensation_paid=found["compensation_paid"],  # type: ignore[arg-type]
        transition_payments=tuple(payments.items()),
    )
