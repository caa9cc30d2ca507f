"""The compensation vocabulary: every answer a household gives, with its Chinese label, its one parser, its choices
and its messages — the same table for the chat (handlers/calculator.py), the /calc page and `python -m bot calc`.

A field's name is the key of the answers, the page's input name, the query parameter of a shared link and (with
dashes) the CLI option. `read` turns the resident's text into a value or raises `InputError(message, field=name)`;
`as_text` writes a value back as the canonical text the chat stores and a link carries (dongguan, 85, 2026-10-15).
Rules across answers (a business area larger than the house, a sign date before the signing period) are the
engine's (bot/compensation/basis.py); it names the field it blames in the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.compensation.errors import InputError
from bot.compensation.fmt import num
from bot.compensation.model import Use
from bot.compensation.params import CompensationParams
from bot.compensation.quantity import parse_area, parse_date, parse_floor, parse_money, parse_unit_price

# an area said in a sentence about the house: 一百二十平的砖房, 俺家85㎡
AREA_IN_TEXT = re.compile(
    r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千点]+)\s*(?:平方米|平米|平方|个平方|平|㎡|m2)"
)


@dataclass(frozen=True)
class Choice:
    """One answer to pick: its id (a button id's last part, the page's option value), its label, and a detail
    shown beside the label where there is room (the page's list: 东关片区（参考价 5,200 元/m²）)."""

    id: str
    label: str
    detail: str = ""


@dataclass(frozen=True)
class AnswerField:
    """One answer: name, label (also the subject of its messages: 没看懂建筑面积“abc”), unit, parser, choices."""

    name: str
    label: str
    unit: str
    parse: Callable[[str, CompensationParams], Any]
    choices: Callable[[CompensationParams], tuple[Choice, ...]] | None = None
    missing: Callable[[CompensationParams], str] | None = None  # set: required, this message when left blank
    # the id of the choice a text names (东关 → dongguan), None if none: a choice field's text as a picked choice
    choice_of: Callable[[str, CompensationParams], str | None] | None = None

    def read(self, text: str, params: CompensationParams) -> Any:
        """The value of the resident's text; InputError naming this field."""
        try:
            return self.parse(text, params)
        except InputError as exc:
            raise InputError(str(exc), field=self.name) from None

    def missing_error(self, params: CompensationParams) -> InputError:
        assert self.missing is not None
        return InputError(self.missing(params), field=self.name)


def as_text(value: Any) -> str:
    """A parsed value as the canonical text: 85.50 → "85.5", a date → "2026-10-15", a Use → "mixed"."""
    if isinstance(value, Decimal):
        text = f"{value:f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Use):
        return value.value
    return str(value)


def shown(text: str) -> str:
    """The resident's text quoted back in a message: at most 20 characters."""
    text = text.strip()
    return text if len(text) <= 20 else text[:20] + "…"


# --- the parsers ------------------------------------------------------------------------------------------------


def _area(what: str, *, allow_zero: bool = False) -> Callable[[str, CompensationParams], Decimal]:
    def parse(text: str, params: CompensationParams) -> Decimal:
        """An area in m² (85, 85㎡, 八十五平 …), also inside a sentence about the house (一百二十平的砖房)."""
        try:
            return parse_area(text, what, allow_zero=allow_zero)
        except InputError:
            found = area_in(text)
            if found is None or found == text.strip() or text.strip().startswith(("-", "−", "负")):
                raise  # (负五十平 is not 五十平)
            return parse_area(found, what, allow_zero=allow_zero)

    return parse


def area_in(text: str) -> str | None:
    """The words of an area in a sentence ("一百二十平" of "一百二十平的砖房"), or None."""
    found = AREA_IN_TEXT.search(unicodedata.normalize("NFKC", text))
    return None if found is None else found.group(0)


def named_in(text: str, params: CompensationParams, skip: frozenset[str] | set[str] = frozenset()) -> dict[str, str]:
    """The district and the area named in a sentence (俺家东关85平 → dongguan, 85), leaving out those in `skip`."""
    found = {}
    district = next((d for d in params.districts if d.name.removesuffix("片区") in text), None)
    if district is not None and "district" not in skip:
        found["district"] = district.id
    words = area_in(text)
    if words is not None and "area" not in skip:
        try:
            found["area"] = as_text(FIELD["area"].read(words, params))
        except InputError:
            pass  # not a usable area: asked in its own step, with the reason
    return found


def _district(text: str, params: CompensationParams) -> str:
    """The district's id, from its id or name (dongguan / 东关片区 / 东关)."""
    district = params.find_district(text)
    if district is None:
        raise InputError(f"没有找到片区“{shown(text)}”。本项目的片区有：{_district_names(params)}。")
    return district.id


def _district_names(params: CompensationParams) -> str:
    return "、".join(d.name for d in params.districts)


USE_CHOICES = (
    Choice(Use.RESIDENTIAL.value, "住宅"),
    Choice(Use.BUSINESS.value, "商铺门面", "经营用房"),
    Choice(Use.MIXED.value, "住宅+商铺", "商住混合"),
)
_USE_WORDS = {
    Use.RESIDENTIAL: ("住宅", "住房", "居住", "自住", "住家"),
    Use.BUSINESS: ("经营", "经营用房", "营业", "营业用房", "商业", "商铺", "门面", "门面房", "商铺门面", "非住宅"),
    Use.MIXED: (
        "商住混合",
        "商住",
        "混合",
        "住宅兼经营",
        "前店后宅",
        "下店上宅",
        "住宅+商铺",
        "住宅加商铺",
        "住宅商铺",
    ),
}


def parse_use(text: str, params: CompensationParams | None = None) -> Use:
    """The use from its id, a label (住宅+商铺, 住宅+商铺（商住混合）) or a word (门面, 商住 …)."""
    key = unicodedata.normalize("NFKC", text).strip().lower().split("(")[0].strip()
    for use, words in _USE_WORDS.items():
        if key == use.value or key in words:
            return use
    labels = "、".join(choice.label for choice in USE_CHOICES)
    raise InputError(f"没看懂房屋用途“{shown(text)}”，请选择：{labels}。")


def _decoration(text: str, params: CompensationParams) -> str:
    """A decoration level's id or label (standard / 普通装修 / 普通), as given."""
    if params.find_decoration(text) is None:
        labels = "、".join(level.label for level in params.decoration)
        raise InputError(f"没看懂装修档次“{shown(text)}”，请选择：{labels}。")
    return text.strip()


def _orientation(text: str, params: CompensationParams) -> str:
    """An orientation's id or label (south / 朝南 / 南), as given; any text when the plan has no orientation table
    (the estimate then notes that no adjustment was made)."""
    if params.orientation_adjustment and params.find_orientation(text) is None:
        labels = "、".join(row.label for row in params.orientation_adjustment)
        raise InputError(f"没看懂朝向“{shown(text)}”，请选择：{labels}。")
    return text.strip()


def _sign_date(text: str, params: CompensationParams) -> date:
    """A date from today on (the plan's `as_of`, Beijing time), not before the signing period opens."""
    day = parse_date(text, "签约日期")
    check_sign_date(day, params)
    return day


def check_sign_date(day: date, params: CompensationParams) -> None:
    """InputError unless one can still sign on `day`: not before today and not before the signing period."""
    start, end = params.programme.signing_start, params.programme.signing_end
    today = params.as_of
    if today is not None and day < today:
        raise InputError(
            f"签约日期 {day.isoformat()} 已经过去了（今天是 {today.isoformat()}）。"
            "签约奖励按实际签约那天计算，请填写今天或以后打算签约的日期。",
            field="sign_date",
        )
    if day < start:
        raise InputError(
            f"签约期从 {start.isoformat()} 开始（签约期：{start.isoformat()} 至 {end.isoformat()}），"
            f"{day.isoformat()} 还不能签约，请核对签约日期。",
            field="sign_date",
        )


def _money(what: str) -> Callable[[str, CompensationParams], Decimal]:
    return lambda text, params: parse_money(text, what)


# --- the choices -------------------------------------------------------------------------------------------------


def district_choices(params: CompensationParams) -> tuple[Choice, ...]:
    return tuple(Choice(d.id, d.name, f"参考价 {num(d.reference_price)} 元/m²") for d in params.districts)


def decoration_choices(params: CompensationParams) -> tuple[Choice, ...]:
    return tuple(Choice(level.id, level.label, f"{num(level.per_m2)} 元/m²") for level in params.decoration)


def orientation_choices(params: CompensationParams) -> tuple[Choice, ...]:
    return tuple(Choice(row.id, row.label) for row in params.orientation_adjustment)


def sign_date_choices(params: CompensationParams) -> tuple[Choice, ...]:
    """One per reward tier still open: signing on its last day."""
    return tuple(Choice(t.until.isoformat(), f"{t.until.month}月{t.until.day}日前签") for t in params.open_tiers)


def _found_id(found: Any) -> str | None:
    return None if found is None else str(found.id)


def _use_id(text: str, params: CompensationParams) -> str | None:
    try:
        return parse_use(text).value
    except InputError:
        return None


FIELDS = (
    AnswerField("area", "建筑面积", "平方米", _area("建筑面积"),
                missing=lambda p: "请填写建筑面积（房产证上的面积），例如 85 或 85.5平方米。"),
    AnswerField("district", "所在片区", "", _district, district_choices,
                missing=lambda p: f"请选择房屋所在的片区：{_district_names(p)}。",
                choice_of=lambda t, p: _found_id(p.find_district(t))),
    AnswerField("use", "房屋用途", "", parse_use, lambda p: USE_CHOICES, choice_of=_use_id),
    AnswerField("business_area", "经营面积", "平方米", _area("经营面积")),
    AnswerField("decoration", "装修档次", "", _decoration, decoration_choices,
                choice_of=lambda t, p: _found_id(p.find_decoration(t))),
    AnswerField("decoration_amount", "装修评估金额", "元", _money("装修评估金额")),
    AnswerField("assessed_price", "评估单价", "元/平方米", lambda t, p: parse_unit_price(t, "评估单价")),
    AnswerField("floor", "所在楼层", "", lambda t, p: parse_floor(t, "所在楼层")),
    AnswerField("orientation", "朝向", "", _orientation, orientation_choices,
                choice_of=lambda t, p: _found_id(p.find_orientation(t))),
    AnswerField("unregistered_area", "未登记建筑面积", "平方米", _area("未登记建筑面积", allow_zero=True)),
    AnswerField("exchange_area", "安置房面积", "平方米", _area("安置房面积")),
    AnswerField("sign_date", "签约日期", "", _sign_date, sign_date_choices),
    AnswerField("monthly_profit", "月净利润", "元", _money("月净利润")),
)  # fmt: skip
FIELD = {f.name: f for f in FIELDS}
NAMES = tuple(FIELD)


def read_answers(
    answers: Mapping[str, str | None], params: CompensationParams
) -> tuple[dict[str, Any], dict[str, str]]:
    """Every answer read on its own: (values by field, messages by field). Blank or missing = not given."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in FIELDS:
        text = answers.get(f.name)
        if not isinstance(text, str) or not text.strip():
            if f.missing is not None:
                errors[f.name] = f.missing(params)
            continue
        try:
            values[f.name] = f.read(text, params)
        except InputError as exc:
            errors[f.name] = str(exc)
    return values, errors
