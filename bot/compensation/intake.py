"""Text answers (CLI options, web form fields, chat replies) → a `Household`, each field parsed and checked."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import TypeVar

from bot.compensation.errors import InputError
from bot.compensation.model import Household, Use
from bot.compensation.params import CompensationParams
from bot.compensation.quantity import parse_area, parse_date, parse_floor, parse_money, parse_unit_price

T = TypeVar("T")

FIELDS = (
    "area", "district", "use", "business_area", "decoration", "decoration_amount", "assessed_price", "floor",
    "orientation", "unregistered_area", "exchange_area", "sign_date", "monthly_profit",
)  # fmt: skip


def household_from_fields(fields: Mapping[str, str | None], params: CompensationParams) -> Household:
    """Parse the resident's text answers (keys as in FIELDS; missing, None or blank = not given)."""
    given = {key: value.strip() for key, value in fields.items() if isinstance(value, str) and value.strip()}
    area = given.get("area")
    if area is None:
        raise InputError("请填写房屋的建筑面积（房产证上的面积），例如 85 或 85.5平方米。")
    district = given.get("district")
    if district is None:
        names = "、".join(d.name for d in params.districts)
        raise InputError(f"请填写房屋所在的片区：{names}。")
    found = params.find_district(district)
    if found is None:
        names = "、".join(d.name for d in params.districts)
        raise InputError(f"没有找到片区“{district[:20]}”。本项目的片区有：{names}。")
    optional = partial(_optional, given)
    return Household(
        area=parse_area(area, "建筑面积"),
        district_id=found.id,
        use=Use.from_text(given["use"]) if "use" in given else Use.RESIDENTIAL,
        business_area=optional("business_area", lambda t: parse_area(t, "经营面积")),
        decoration=given.get("decoration"),
        decoration_appraisal=optional("decoration_amount", lambda t: parse_money(t, "装修评估金额")),
        assessed_unit_price=optional("assessed_price", lambda t: parse_unit_price(t, "评估单价")),
        floor=optional("floor", parse_floor),
        orientation=given.get("orientation"),
        unregistered_area=optional("unregistered_area", lambda t: parse_area(t, "未登记建筑面积", allow_zero=True)),
        exchange_area=optional("exchange_area", lambda t: parse_area(t, "安置房面积")),
        sign_date=optional("sign_date", parse_date),
        monthly_profit=optional("monthly_profit", lambda t: parse_money(t, "月净利润")),
    )


def _optional(given: Mapping[str, str], key: str, parse: Callable[[str], T]) -> T | None:
    return parse(given[key]) if key in given else None
