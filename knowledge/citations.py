"""The `sources` lines of an entry, read as citations: which act and which articles, or which county-plan clause.

A source line is one of
- a statute: 《国有土地上房屋征收与补偿条例》第十九条 / 第十九条、第二十条 / 第十九条至第二十二条 / 第十九、二十四条
  (a 第…款 or 第…项 after an article still cites the whole article); several acts may share one line;
- a clause of the county plan: the plan's name (params `plan.name`) followed by its clause (第三条), or nothing;
- anything else (an office's published phone numbers …): shown as written, it cites no article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[零〇一二三四五六七八九十百千两0-9]+"
_ACT = re.compile(r"《([^《》]+)》")
# 第十九条至第二十二条, 第十九至二十二条, 第十九条—第二十二条
_RANGE = re.compile(rf"第({_NUM})条?\s*(?:至|到|—|－|-|~|～)\s*第?({_NUM})条")
# 第十九条, 第十九、二十四条, 第十九条、第二十条 (each 第…条 separately)
_LIST = re.compile(rf"第({_NUM}(?:\s*[、，,和及与]\s*第?{_NUM})*)条")
_LIST_SPLIT = re.compile(r"\s*[、，,和及与]\s*第?")
NATIONAL_PREFIX = "中华人民共和国"


class NumeralError(ValueError):
    """Not a Chinese (or Arabic) number an article can have."""


def parse_number(text: str) -> int:
    """二十四 → 24, 三百零一 → 301, 一千零一十 → 1010, 24 → 24."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in _DIGITS and ch not in _UNITS for ch in text):
        raise NumeralError(f"not a number: {text!r}")
    total, digit = 0, None
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
    return total + (digit or 0)


def chinese_number(n: int) -> str:
    """24 → 二十四, 301 → 三百零一, 1010 → 一千零一十, as article numbers are written (10–19: 十…)."""
    if not 0 < n < 10000:
        raise NumeralError(f"article number out of range: {n}")
    names = "零一二三四五六七八九"
    parts: list[str] = []
    zero_pending = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero_pending = bool(parts)
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if not (unit == "十" and digit == 1 and not parts):
            parts.append(names[digit])
        parts.append(unit)
    return "".join(parts)


def article_label(n: int) -> str:
    """19 → 第十九条."""
    return f"第{chinese_number(n)}条"


def article_number(label: str) -> int:
    """第十九条 → 19; raises NumeralError for anything else."""
    match = re.fullmatch(rf"第({_NUM})条", label.strip())
    if match is None:
        raise NumeralError(f"not an article number like 第十九条: {label!r}")
    return parse_number(match.group(1))


def act_key(name: str) -> str:
    """The name an act is looked up by: without 《》, blanks and the 中华人民共和国 prefix."""
    name = re.sub(r"\s+", "", name.strip().strip("《》"))
    return name.removeprefix(NATIONAL_PREFIX)


class Kind(StrEnum):
    STATUTE = "statute"
    PLAN = "plan"  # a clause of the county's expropriation and compensation plan
    OTHER = "other"


@dataclass(frozen=True)
class Citation:
    kind: Kind
    source: str  # the source line as the entry gives it (rendered)
    act: str = ""  # statutes: the act's name as cited, without 《》
    articles: tuple[int, ...] = ()  # statutes: article numbers, in the order cited
    clause: str = ""  # plan: the clause as cited (第十条), or "" for the plan as a whole

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(article_label(n) for n in self.articles)


def plan_name(params: dict[str, Any]) -> str:
    """The county plan's name as sources cite it (《…方案》, params `plan.name`), or "" when none is given."""
    plan = params.get("plan")
    return str(plan.get("name") or "") if isinstance(plan, dict) else ""


def parse_source(source: str, plan_name: str = "") -> list[Citation]:
    """The citations of one source line (several when one line names several acts)."""
    source = source.strip()
    if plan_name and source.startswith(plan_name):
        return [Citation(Kind.PLAN, source, clause=source[len(plan_name) :].strip())]
    acts = list(_ACT.finditer(source))
    if not acts:
        return [Citation(Kind.OTHER, source)]
    citations = []
    for i, match in enumerate(acts):
        tail = source[match.end() : acts[i + 1].start() if i + 1 < len(acts) else len(source)]
        citations.append(Citation(Kind.STATUTE, source, act=match.group(1).strip(), articles=_articles(tail)))
    return citations


def parse_sources(sources: tuple[str, ...] | list[str], plan_name: str = "") -> list[Citation]:
    return [c for s in sources for c in parse_source(s, plan_name)]


def _articles(tail: str) -> tuple[int, ...]:
    """Article numbers in what follows an act's name, ranges expanded, each once, in the order cited."""
    found: list[int] = []
    position = 0
    while True:
        ranged, listed = _RANGE.search(tail, position), _LIST.search(tail, position)
        match = min((m for m in (ranged, listed) if m), key=lambda m: m.start(), default=None)
        if match is None:
            break
        if match is ranged:
            first, last = parse_number(match.group(1)), parse_number(match.group(2))
            numbers = list(range(first, last + 1)) if first <= last else [first, last]
        else:
            numbers = [parse_number(n) for n in _LIST_SPLIT.split(match.group(1))]
        found += [n for n in numbers if n not in found]
        position = match.end()
    return tuple(found)
