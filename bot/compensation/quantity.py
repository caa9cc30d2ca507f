"""Numbers typed by residents — areas, money, unit prices, floors, dates — in Arabic or Chinese numerals.

Every parser returns a plain value or raises `InputError` with a simplified-Chinese message that says what was
wrong and shows an example. Full-width characters are folded first (NFKC: "８５㎡" → "85m2").
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal

from bot.compensation.errors import InputError

MAX_AREA = Decimal(10000)
MAX_MONEY = Decimal(1_000_000_000)
MAX_UNIT_PRICE = Decimal(1_000_000)
MAX_FLOOR = 200
_MAX_CHARS = 40
_FEN = Decimal("0.01")

_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "贰": 2, "两": 2, "俩": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}  # fmt: skip
_SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
_BIG_UNITS = {"万": 10_000, "萬": 10_000, "亿": 100_000_000}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_THOUSANDS_COMMA = re.compile(r"(?<=\d),(?=\d{3})")
# longest first, after NFKC ("㎡" and "m²" both become "m2")
_AREA_UNITS = ("个平方米", "个平方", "个平米", "个平", "平方米", "平方", "平米", "平", "m^2", "m2", "sqm", "米2")
_MONEY_UNITS = ("块钱", "元", "块", "圆")
_UNIT_PRICE = re.compile(r"^(?P<num>.+?)(?:元|块)?(?:(?:/|每|一)(?:平方米|平方|平米|平|m\^2|m2))?$")
_DATE_ARABIC = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_DATE_CHINESE = re.compile(r"^(.+?)年(.+?)月(.+?)[日号]?$")


def parse_area(text: str, what: str = "建筑面积", *, allow_zero: bool = False) -> Decimal:
    """An area in m² from "85", "85.5平方米", "八十五平", "85㎡", "一百二十点五平方米"; 0 < area ≤ 10,000."""
    s = _fold(text, what, example="85、85.5平方米 或 八十五平")
    value = _number(_strip_suffix(s, _AREA_UNITS), text, what, example="85、85.5平方米 或 八十五平")
    return check_area(value, what, allow_zero=allow_zero)


def parse_money(text: str, what: str = "金额") -> Decimal:
    """An amount in yuan from "20000", "2万", "两万元", "1.5万", "20,000元"; 0 ≤ amount ≤ 1e9."""
    s = _fold(text, what, example="20000、2万 或 两万元")
    s = _strip_suffix(s, _MONEY_UNITS)
    return check_money(_number(s, text, what, example="20000、2万 或 两万元"), what)


def parse_unit_price(text: str, what: str = "评估单价") -> Decimal:
    """A price in 元/m² from "5200", "5200元/平方米", "5200元/㎡", "五千二百元一平"; 0 < price ≤ 1,000,000."""
    example = "5200 或 5200元/平方米"
    s = _fold(text, what, example=example)
    match = _UNIT_PRICE.match(s)
    return check_unit_price(_number(match.group("num") if match else s, text, what, example=example), what)


def parse_floor(text: str, what: str = "所在楼层") -> int:
    """A floor number from "3", "3楼", "第三层"; a positive whole number."""
    s = _fold(text, what, example="3 或 三楼")
    s = s.removeprefix("第")
    s = _strip_suffix(s, ("楼", "层"))
    value = _number(s, text, what, example="3 或 三楼")
    if value != value.to_integral_value() or not 1 <= value <= MAX_FLOOR:
        raise InputError(f"{what}请填 1 到 {MAX_FLOOR} 之间的整数，例如 3 或 三楼。")
    return int(value)


def parse_date(text: str, what: str = "签约日期") -> date:
    """A date from "2026-10-15", "2026/10/15", "2026年10月15日" or "二〇二六年十月十五日"."""
    s = _fold(text, what, example="2026-10-15")
    match = _DATE_ARABIC.match(s) or _DATE_CHINESE.match(s)
    if not match:
        raise InputError(f"没看懂{what}“{_shown(text)}”，请按 2026-10-15 这样的格式填写。")
    parts = [_number(part, text, what, example="2026-10-15") for part in match.groups()]
    if any(p != p.to_integral_value() for p in parts):
        raise InputError(f"没看懂{what}“{_shown(text)}”，请按 2026-10-15 这样的格式填写。")
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        raise InputError(f"{what}“{_shown(text)}”不是一个真实的日期，请核对。") from None


def check_area(value: Decimal, what: str = "建筑面积", *, allow_zero: bool = False) -> Decimal:
    """`value` if it is a sensible area (0 < area ≤ 10,000 m², at most two decimals), else InputError."""
    if value == 0 and allow_zero:
        return value
    if value <= 0:
        raise InputError(f"{what}必须大于 0，请填写房产证或调查认定的面积，例如 85 平方米。")
    if value > MAX_AREA:
        raise InputError(f"{what} {_plain(value)} 平方米超出了合理范围（最多 {MAX_AREA:,} 平方米），请核对后重新填写。")
    _check_fen(value, what, "85.37")
    return value


def check_money(value: Decimal, what: str = "金额") -> Decimal:
    """`value` if it is a sensible amount (0 ≤ amount ≤ 1e9 元, at most two decimals), else InputError."""
    if value < 0:
        raise InputError(f"{what}不能是负数。")
    if value > MAX_MONEY:
        raise InputError(f"{what} {_plain(value)} 元超出了合理范围，请核对后重新填写。")
    _check_fen(value, what, "20000.50")
    return value


def check_unit_price(value: Decimal, what: str = "评估单价") -> Decimal:
    """`value` if it is a sensible price (0 < price ≤ 1,000,000 元/m², at most two decimals), else InputError."""
    if value <= 0:
        raise InputError(f"{what}必须大于 0，请按评估报告上的单价（元/平方米）填写。")
    if value > MAX_UNIT_PRICE:
        raise InputError(f"{what} {_plain(value)} 元/平方米超出了合理范围，请核对评估报告后重新填写。")
    _check_fen(value, what, "5200.50")
    return value


def parse_number(text: str) -> Decimal | None:
    """The value of an Arabic or Chinese numeral ("85.5", "一百二十点五", "1.5万", "两万三"), or None."""
    s = _THOUSANDS_COMMA.sub("", unicodedata.normalize("NFKC", text)).strip().replace(" ", "")
    if _ARABIC.fullmatch(s):
        return Decimal(s)
    integer, _, fraction = s.partition("点")
    whole = _chinese_integer(integer) if integer else Decimal(0)
    if whole is None:
        return None
    if "点" not in s:
        return whole
    digits = "".join(str(_DIGITS[c]) if c in _DIGITS else c for c in fraction)
    if not digits.isdecimal() or not digits.isascii() or not (integer or fraction):
        return None
    return whole + Decimal("0." + digits)


def _chinese_integer(s: str) -> Decimal | None:
    """Chinese (or mixed, "3万5千") integer numerals; digit strings like "二〇二六" read digit by digit."""
    if all(c in _DIGITS for c in s):
        return Decimal("".join(str(_DIGITS[c]) for c in s))
    total, section = Decimal(0), Decimal(0)
    digit: Decimal | None = None
    last_unit, last_small, last_big = 0, 10**5, 10**9
    after_zero = False
    for token in re.findall(r"\d+(?:\.\d+)?|.", s):
        if token in _DIGITS or _ARABIC.fullmatch(token):
            if digit is not None:
                return None
            if token in ("零", "〇"):
                after_zero = True
                continue
            digit = Decimal(_DIGITS[token]) if token in _DIGITS else Decimal(token)
        elif token in _SMALL_UNITS:
            unit = _SMALL_UNITS[token]
            # a unit without a digit means one of it only for 十 ("十五") or at the very start ("百万")
            if unit >= last_small or (digit is None and unit != 10 and (total or section)):
                return None
            section += (digit if digit is not None else 1) * unit
            digit, last_unit, last_small, after_zero = None, unit, unit, False
        elif token in _BIG_UNITS:
            unit = _BIG_UNITS[token]
            section += digit if digit is not None else 0
            if section == 0 or unit >= last_big:
                return None
            total += section * unit
            section, digit, last_unit, last_big, last_small, after_zero = Decimal(0), None, unit, unit, 10**5, False
        else:
            return None
    if digit is not None:
        # colloquial "一百二" = 120, "两万三" = 23,000, "3万5" = 35,000: a bare last digit right after a unit
        colloquial = last_unit >= 100 and not after_zero and digit == digit.to_integral_value() and digit < 10
        section += digit * last_unit // 10 if colloquial else digit
    elif last_unit == 0:
        return None
    return total + section


def _fold(text: str, what: str, *, example: str) -> str:
    """Full-width folded, lower-cased, without spaces or thousands commas; empty or overlong input refused."""
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"请填写{what}，例如 {example}。")
    if len(text) > _MAX_CHARS:
        raise InputError(f"{what}填写的内容太长了，请只填数字，例如 {example}。")
    s = unicodedata.normalize("NFKC", text).strip().lower()
    s = re.sub(r"\s+", "", s)
    s = _THOUSANDS_COMMA.sub("", s)
    s = s.removeprefix("约").removeprefix("大约")
    if s.startswith(("-", "负", "−")):
        raise InputError(f"{what}不能是负数，请填写大于 0 的数，例如 {example}。")
    return s


def _strip_suffix(s: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if s.endswith(suffix) and len(s) > len(suffix):
            return s[: -len(suffix)]
    return s


def _number(s: str, original: str, what: str, *, example: str) -> Decimal:
    value = parse_number(s)
    if value is None:
        raise InputError(f"没看懂{what}“{_shown(original)}”，请填数字，例如 {example}。")
    return value


def _check_fen(value: Decimal, what: str, example: str) -> None:
    if value != value.quantize(_FEN):
        raise InputError(f"{what}最多保留两位小数，例如 {example}。")


def _plain(value: Decimal) -> str:
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 20 else text[:20] + "…"
