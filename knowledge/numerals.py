"""Chinese numerals before a unit, as Arabic digits, for the intent rules: 九十个平方 → 90个平方, 一百二平 → 120平,
两万块 → 20000块 (the calculator reads the same forms when it takes an area)."""

from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}  # fmt: skip
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUMERAL = "零〇一二两俩三四五六七八九十百千万点"
_BEFORE_UNIT = re.compile(
    rf"[{_NUMERAL}]+(?=\s*(?:个平方米|个平方|个平米|个平|平方米|平方|平米|平|㎡|m2|万|块|元|层|楼|间|口人|户))"
)


def digits_for_numerals(text: str) -> str:
    """`text` with every Chinese numeral that stands before a unit written in digits."""
    if not any(c in _NUMERAL for c in text):
        return text
    return _BEFORE_UNIT.sub(_arabic, text)


def _arabic(match: re.Match[str]) -> str:
    value = numeral_value(match.group(0))
    return match.group(0) if value is None else value


def numeral_value(numeral: str) -> str | None:
    """ "九十" → "90", "一百二" → "120" (a digit after 百/千 is one order lower), "八十五点五" → "85.5"; None for
    what is not a number (a lone 万 or 点)."""
    whole, _, fraction = numeral.partition("点")
    if fraction and not all(c in _DIGITS for c in fraction):
        return None
    value = _whole(whole)
    if value is None:
        return None
    return f"{value}.{''.join(str(_DIGITS[c]) for c in fraction)}" if fraction else str(value)


def _whole(numeral: str) -> int | None:
    total = section = 0
    number: int | None = None
    unit_before = 0  # the unit just before the pending digit (一百二: 100), 0 when a digit or 零 came before
    seen = False
    for char in numeral:
        if char in _DIGITS:
            if number is not None:  # two digits in a row (二〇二六): read them as digits
                number = number * 10 + _DIGITS[char]
                unit_before = 0
            else:
                number = _DIGITS[char]
            if char in "零〇":
                unit_before = 0
            seen = True
        elif char in _UNITS:
            section += (1 if number is None else number) * _UNITS[char]
            number, unit_before, seen = None, _UNITS[char], True
        elif char == "万":
            if not seen:
                return None
            total = (total + section + (number or 0)) * 10_000
            section, number, unit_before = 0, None, 10_000
    if not seen:
        return None
    if number is not None:
        section += number * unit_before // 10 if unit_before >= 100 else number
    return total + section
