"""The household checked against the county parameters: resolved district, use, unit price and assumptions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from bot.compensation.errors import InputError
from bot.compensation.fields import FIELD, check_sign_date
from bot.compensation.fmt import num, percent
from bot.compensation.model import Household, Use
from bot.compensation.params import CompensationParams, DecorationLevel, District
from bot.compensation.quantity import check_area, check_money, check_unit_price


@dataclass(frozen=True)
class Basis:
    """Everything the line items need, already checked; `notes` are the assumptions made on the way."""

    area: Decimal
    district: District
    use: Use
    business_area: Decimal  # 0 for residential use
    unit_price: Decimal
    unit_price_formula: str  # how the unit price was obtained, for the house-value formula
    decoration_level: DecorationLevel | None
    decoration_appraisal: Decimal | None
    unregistered_area: Decimal
    exchange_area: Decimal
    sign_date: date | None
    monthly_profit: Decimal | None
    notes: tuple[str, ...]


def resolve(household: Household, params: CompensationParams) -> Basis:
    """Check the household against the parameters; InputError (Chinese message) for anything unusable."""
    notes: list[str] = []
    area = check_area(_decimal(household.area, "area"), "建筑面积")
    district = _district(household.district_id, params)
    use = household.use if isinstance(household.use, Use) else FIELD["use"].read(str(household.use), params)
    business_area = _business_area(household, use, area)
    unregistered = Decimal(0)
    if household.unregistered_area is not None:
        given = _decimal(household.unregistered_area, "unregistered_area")
        unregistered = check_area(given, "未登记建筑面积", allow_zero=True)
    unit_price, unit_formula = _unit_price(household, params, district, notes, area + unregistered)
    level, appraisal = _decoration(household, params, notes)
    if unregistered > 0:
        notes.append(
            "未登记建筑须经调查认定为合法建筑才予补偿（条例第二十四条）。"
            f"这里按您填写的认定面积 {num(unregistered)} m²、"
            f"单价的 {percent(params.unregistered_recognition_rate)} 估算；"
            "这部分面积不计入搬迁费、临时安置费、按标准计算的装修补偿和产权调换的原面积。"
        )
    if household.exchange_area is None:
        exchange_area = area
        notes.append(
            f"未填写安置房面积，产权调换按与原建筑面积相同（{num(area)} m²）估算；实际以选定的安置房户型为准。"
        )
    else:
        exchange_area = check_area(_decimal(household.exchange_area, "exchange_area"), "安置房面积")
    if household.sign_date is not None:
        check_sign_date(household.sign_date, params)
    return Basis(
        area=area,
        district=district,
        use=use,
        business_area=business_area,
        unit_price=unit_price,
        unit_price_formula=unit_formula,
        decoration_level=level,
        decoration_appraisal=appraisal,
        unregistered_area=unregistered,
        exchange_area=exchange_area,
        sign_date=household.sign_date,
        monthly_profit=_monthly_profit(household, params, use),
        notes=tuple(notes),
    )


def _decimal(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"Household.{field} must be a Decimal, got {type(value).__name__}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise ValueError(f"Household.{field} must be a finite number, got {value}")
    return Decimal(value)


def _district(key: str, params: CompensationParams) -> District:
    district = params.find_district(FIELD["district"].read(key, params))
    assert district is not None
    return district


def _business_area(household: Household, use: Use, area: Decimal) -> Decimal:
    given = household.business_area
    if use is Use.RESIDENTIAL:
        if given:
            raise InputError(
                "房屋用途是住宅时不用填写经营面积；如果有一部分用来经营，请把用途选为“商住混合”。",
                field="business_area",
            )
        return Decimal(0)
    if given is None:
        if use is Use.MIXED:
            raise InputError("房屋用途是商住混合时，请填写其中用来经营的面积，例如 20 平方米。", field="business_area")
        return area
    business_area = check_area(_decimal(given, "business_area"), "经营面积")
    if business_area > area:
        raise InputError(
            f"经营面积（{num(business_area)} 平方米）不能大于建筑面积（{num(area)} 平方米），请核对。",
            field="business_area",
        )
    return business_area


def _unit_price(
    household: Household, params: CompensationParams, district: District, notes: list[str], valued_area: Decimal
) -> tuple[Decimal, str]:
    if household.assessed_value is not None:
        if household.assessed_unit_price is not None:
            raise InputError("评估结果请只填一项：评估单价，或者评估报告上的房屋评估价值。", field="assessed_value")
        value = check_money(_decimal(household.assessed_value, "assessed_value"), "房屋评估价值")
        if value <= 0:
            raise InputError("房屋评估价值应当大于 0 元，请核对评估报告。", field="assessed_value")
        price = value / valued_area
        return price, f"评估单价（评估价值 {num(value)} 元 ÷ {num(valued_area)} m²）"
    if household.assessed_unit_price is not None:
        price = check_unit_price(_decimal(household.assessed_unit_price, "assessed_unit_price"), "评估单价")
        if household.floor is not None or household.orientation:
            notes.append("已按您填写的评估单价计算；楼层、朝向等因素评估时已经考虑，不再另行调整。")
        return price, f"评估单价 {num(price)} 元/m²"
    decision = params.programme.decision_date
    notes.append(
        f"未填写评估单价，按{district.name}参考价估算；实际房屋价值由您选定的评估机构按征收决定公告之日"
        f"{f'（{decision.isoformat()}）' if decision else ''}类似房地产的市场价格评估确定（条例第十九条、第二十条）。"
    )
    terms: list[str] = []
    rate = Decimal(0)
    if household.floor is not None:
        row = params.floor_rate(household.floor)
        if row is None:
            table = params.floor_adjustment
            listed = f"（{table[0].label}至{table[-1].label}）" if table else ""
            notes.append(f"{household.floor}层不在方案的楼层调整表{listed}内，未作楼层调整，以评估结果为准。")
        else:
            rate += row.rate
            terms.append(f"{percent(row.rate)}〔{row.label}〕")
    if household.orientation:
        if not params.orientation_adjustment:
            notes.append("方案没有规定朝向调整，未作朝向调整。")
        else:
            row = params.find_orientation(FIELD["orientation"].read(household.orientation, params))
            assert row is not None
            rate += row.rate
            terms.append(f"{percent(row.rate)}〔{row.label}〕")
    reference = f"{district.name}参考价 {num(district.reference_price)} 元/m²"
    if not terms:
        return district.reference_price, reference
    price = district.reference_price * (1 + rate)
    return price, f"{num(price)} 元/m²（{reference} × (1 + {' + '.join(terms)})）"


def _decoration(
    household: Household, params: CompensationParams, notes: list[str]
) -> tuple[DecorationLevel | None, Decimal | None]:
    if household.decoration and household.decoration_appraisal is not None:
        raise InputError("装修情况请只填一项：装修档次，或者评估报告上的装修金额。", field="decoration")
    if household.decoration_appraisal is not None:
        return None, check_money(_decimal(household.decoration_appraisal, "decoration_appraisal"), "装修评估金额")
    if household.decoration:
        level = params.find_decoration(FIELD["decoration"].read(household.decoration, params))
        assert level is not None
        return level, None
    lowest = min(params.decoration, key=lambda level: level.per_m2)
    notes.append(f"未填写装修情况，按{lowest.label}估算；有装修的，以评估结果或方案的装修补偿标准为准。")
    return lowest, None


def _monthly_profit(household: Household, params: CompensationParams, use: Use) -> Decimal | None:
    if use is Use.RESIDENTIAL or params.business_loss.method != "monthly_profit":
        return None
    if household.monthly_profit is None:
        raise InputError(
            f"按{params.plan_source('business_loss')}，停产停业损失按月净利润计算，"
            "请填写经营的月净利润（元），例如 8000。",
            field="monthly_profit",
        )
    return check_money(_decimal(household.monthly_profit, "monthly_profit"), "月净利润")
