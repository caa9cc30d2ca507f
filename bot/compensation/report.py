"""An estimate for people (an aligned side-by-side table with the workings) and for machines (JSON)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from typing import Any

from bot.compensation.fmt import num, plain, yuan
from bot.compensation.model import Estimate, Household, Line, Option
from bot.compensation.rows import side_by_side

SCHEMA = "anju.compensation.estimate/1"


def estimate_to_json(estimate: Estimate) -> dict[str, Any]:
    """The documented `calc --json` object (docs/compensation.md); money as strings with two decimals."""
    return {
        "schema": SCHEMA,
        "county": estimate.county,
        "plan": estimate.plan_name,
        "as_of": None if estimate.as_of is None else estimate.as_of.isoformat(),
        "input": _input_json(estimate.household, estimate),
        "basis": {"unit_price": _exact(estimate.unit_price), "exchange_area": _exact(estimate.exchange_area)},
        "options": {option.key: _option_json(option) for option in estimate.options},
        "difference": plain(estimate.difference),
        "comparison": estimate.comparison,
        "notes": list(estimate.notes),
        "reminder": estimate.reminder,
    }


def render_text(estimate: Estimate) -> str:
    """Both options side by side, then every line's formula and source, the notes and the reminder."""
    household = estimate.household
    out = [
        f"{estimate.county}房屋征收补偿估算：{estimate.district_name}，{estimate.use.label}，"
        f"建筑面积 {num(household.area)} m²",
        "",
        *_table(estimate),
        "",
        "计算明细",
    ]
    for option in estimate.options:
        out.append(f"【{option.label}】")
        for number, line in enumerate((*option.lines, *option.payments), start=1):
            payer = "（您支付）" if line in option.payments else ""
            out.append(f"{number}. {line.label}{payer}：{yuan(line.amount)} 元")
            out.append(f"   算法：{line.formula}")
            out.append(f"   依据：{line.source}")
            if line.note:
                out.append(f"   说明：{line.note}")
    if estimate.notes:
        out += ["", "估算说明", *(f"· {note}" for note in estimate.notes)]
    out += ["", "两种方式怎么选", *estimate.comparison.splitlines(), "", f"提醒：{estimate.reminder}"]
    return "\n".join(out)


def _table(estimate: Estimate) -> list[str]:
    """The side-by-side rows as an aligned text table (East Asian characters count double)."""
    rows = [("项目", estimate.money.label, estimate.exchange.label, "")]
    for row in side_by_side(estimate):
        label = f"减：{row.label}" if row.kind == "payment" else row.label
        rows.append((label, _cell(row.money), _cell(row.exchange), row.kind))
    widths = [max(_width(row[i]) for row in rows) for i in range(3)]
    rule = "─" * (widths[0] + widths[1] + widths[2] + 4)
    lines = []
    for i, (label, left, right, kind) in enumerate(rows):
        if i == 1 or kind in ("total", "net"):
            lines.append(rule)
        cells = (_pad(label, widths[0]), _pad(left, widths[1], right=True), _pad(right, widths[2], right=True))
        lines.append("  ".join(cells))
    return lines


def _cell(amount: Decimal | None) -> str:
    return "—" if amount is None else yuan(amount)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, *, right: bool = False) -> str:
    fill = " " * (width - _width(text))
    return fill + text if right else text + fill


def _option_json(option: Option) -> dict[str, Any]:
    return {
        "key": option.key,
        "label": option.label,
        "lines": [_line_json(line) for line in option.lines],
        "total": plain(option.total),
        "payments": [_line_json(line) for line in option.payments],
        "payments_total": plain(option.payments_total),
        "net": plain(option.net),
    }


def _line_json(line: Line) -> dict[str, str]:
    return {
        "key": line.key,
        "label": line.label,
        "amount": plain(line.amount),
        "formula": line.formula,
        "source": line.source,
        "note": line.note,
    }


def _input_json(household: Household, estimate: Estimate) -> dict[str, Any]:
    return {
        "area": _exact(household.area),
        "district": {"id": estimate.district_id, "name": estimate.district_name},
        "use": estimate.use.value,
        "business_area": _exact(household.business_area),
        "decoration": household.decoration,
        "decoration_amount": None if household.decoration_appraisal is None else plain(household.decoration_appraisal),
        "assessed_price": _exact(household.assessed_unit_price),
        "floor": household.floor,
        "orientation": household.orientation,
        "unregistered_area": _exact(household.unregistered_area),
        "exchange_area": _exact(household.exchange_area),
        "sign_date": None if household.sign_date is None else household.sign_date.isoformat(),
        "monthly_profit": None if household.monthly_profit is None else plain(household.monthly_profit),
    }


def _exact(value: Decimal | None) -> str | None:
    """An exact quantity without separators or trailing zeros: "85.5", "5408"."""
    if value is None:
        return None
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
