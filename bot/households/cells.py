"""Reading one cell of the ledger: text, amounts, areas, dates, phones, 过渡费 months. Each reader returns the value
or raises CellError with a short Chinese message for the per-row report (never echoing an ID number)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from bot.cases.phones import normalise_phone

CENT = Decimal("0.01")
MAX_AREA = Decimal(5000)  # m² of one household: more is a typing error (a 5,000 m² factory is its own file)
MAX_MONEY = Decimal(1_000_000_000)  # 元
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2100, 12, 31)
_SPLIT = re.compile(r"[;；,，、/\s]+")
_MONTH = re.compile(r"(\d{4})[-/.年](\d{1,2})月?")
_DATE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


class CellError(ValueError):
    """The cell cannot be used; the message says why, in Chinese."""


def text(raw: object) -> str:
    """A cell as trimmed text: numbers without a trailing .0, dates as YYYY-MM-DD."""
    if raw is None:
        return ""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw).strip()  # names and addresses keep their own spelling (full-width brackets stay)


def folded(raw: object) -> str:
    """Text with full-width digits, letters and punctuation made half-width: for numbers, dates, codes, choices."""
    return unicodedata.normalize("NFKC", text(raw)).strip()


def bounded_text(raw: object, limit: int, what: str) -> str:
    value = text(raw)
    if len(value) > limit:
        raise CellError(f"{what}太长（最多 {limit} 个字）")
    if any(unicodedata.category(ch)[0] == "C" for ch in value):
        raise CellError(f"{what}含有不可见的控制字符")
    return value


def household_no(raw: object) -> str:
    value = folded(raw)
    if not re.fullmatch(r"[0-9A-Za-z][0-9A-Za-z-]{0,31}", value):
        raise CellError("户号只能由字母、数字和“-”组成，最多 32 位")
    return value


def decimal(raw: object, what: str, unit: str, *, positive: bool, limit: Decimal) -> Decimal:
    if isinstance(raw, bool):
        raise CellError(f"{what}应为数字")
    if isinstance(raw, int | float):
        number = Decimal(str(raw))
    else:
        cleaned = (
            folded(raw).replace(",", "").replace("，", "").removesuffix(unicodedata.normalize("NFKC", unit)).strip()
        )
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(f"{what}应为数字（单位：{unit}）") from None
    if not number.is_finite():
        raise CellError(f"{what}应为数字（单位：{unit}）")
    if number != number.quantize(CENT):
        raise CellError(f"{what}最多保留两位小数")
    if positive and number <= 0:
        raise CellError(f"{what}应大于 0")
    if number < 0:
        raise CellError(f"{what}不能是负数")
    if number > limit:
        raise CellError(f"{what}超过 {limit:,} {unit}，不合理，请核对")
    return number.quantize(CENT)


def area(raw: object, what: str) -> Decimal:
    return decimal(raw, what, "㎡", positive=True, limit=MAX_AREA)


def money(raw: object, what: str) -> Decimal:
    return decimal(raw, what, "元", positive=False, limit=MAX_MONEY)


def day(raw: object, what: str) -> date:
    if isinstance(raw, datetime):
        value = raw.date()
    elif isinstance(raw, date):
        value = raw
    else:
        found = _DATE.fullmatch(folded(raw))
        if not found:
            raise CellError(f"{what}应写成 2026-03-15 这样的日期")
        try:
            value = date(*(int(g) for g in found.groups()))
        except ValueError:
            raise CellError(f"{what}不是存在的日期") from None
    if not FIRST_DAY <= value <= LAST_DAY:
        raise CellError(f"{what}不在 {FIRST_DAY.year}–{LAST_DAY.year} 年之间，请核对")
    return value


def phones(raw: object) -> list[str]:
    result: list[str] = []
    for part in _SPLIT.split(text(raw)):
        if not part:
            continue
        phone = normalise_phone(part)
        if phone is None:
            raise CellError("联系电话应为 11 位手机号或带区号的固定电话，多个号码用“；”分开")
        if phone not in result:
            result.append(phone)
    if len(result) > 5:
        raise CellError("联系电话最多填 5 个")
    return result


def transition_payments(raw: object) -> dict[str, str]:
    """`2026-01:1500；2026-02:1500` → {"2026-01": "1500.00", …}: the 过渡费 paid for each month."""
    months: dict[str, str] = {}
    for part in _SPLIT.split(folded(raw)):
        if not part:
            continue
        month_text, sep, amount_text = part.replace("：", ":").replace("=", ":").partition(":")
        found = _MONTH.fullmatch(month_text)
        if not sep or not found:
            raise CellError("过渡费应写成“2026-01:1500；2026-02:1500”（月份:金额，用“；”分开）")
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12 or not FIRST_DAY.year <= year <= LAST_DAY.year:
            raise CellError(f"过渡费月份 {month_text} 不存在")
        key = f"{year:04d}-{month:02d}"
        if key in months:
            raise CellError(f"过渡费月份 {key} 重复")
        months[key] = str(decimal(amount_text, f"{key} 的过渡费", "元", positive=True, limit=MAX_MONEY))
    return dict(sorted(months.items()))
