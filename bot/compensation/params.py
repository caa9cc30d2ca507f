"""The county's compensation parameters (params.yaml), validated into frozen dataclasses of Decimal.

Reads the sections `compensation`, `districts`, `programme` and `plan` (and `county`, `sample_notice`).
Anything missing or out of range raises `ParamsError` naming the field, e.g.
"参数文件有误：compensation.relocation_fee.per_m2 应为不小于 0 的数字（现在是 'abc'）".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from bot.compensation.errors import ParamsError

BUSINESS_LOSS_METHODS = ("rate_of_value", "monthly_profit")
REQUIRED_CLAUSES = (
    "valuation", "monetary", "exchange", "exchange_price", "relocation_fee", "transition_fee",
    "business_loss", "decoration", "reward", "unregistered",
)  # fmt: skip


@dataclass(frozen=True)
class District:
    id: str
    name: str
    reference_price: Decimal  # 元/m²
    office: str = ""
    phone: str = ""


@dataclass(frozen=True)
class Adjustment:
    """One row of a price-adjustment table (floor or orientation): `rate` is added to 1."""

    id: str
    label: str
    rate: Decimal


@dataclass(frozen=True)
class DecorationLevel:
    id: str
    label: str
    per_m2: Decimal


@dataclass(frozen=True)
class RelocationFee:
    per_m2: Decimal
    min_per_household: Decimal
    times_money: int
    times_exchange: int


@dataclass(frozen=True)
class TransitionFee:
    per_m2_month: Decimal
    min_area: Decimal
    money_lump_months: int


@dataclass(frozen=True)
class BusinessLoss:
    method: str  # one of BUSINESS_LOSS_METHODS
    rate: Decimal  # rate_of_value: share of the business area's value
    months: int  # monthly_profit: months of net profit


@dataclass(frozen=True)
class RewardTier:
    until: date  # signed on or before this date
    amount: Decimal


@dataclass(frozen=True)
class ExtraAreaBand:
    up_to: Decimal | None  # m² of extra area covered by this and earlier bands; None = no limit
    price: Decimal
    label: str


@dataclass(frozen=True)
class Programme:
    decision_date: date | None
    signing_start: date
    signing_end: date
    transition_months: int
    resettlement_handover: str


@dataclass(frozen=True)
class CompensationParams:
    county: str
    sample_notice: str
    plan_name: str
    clauses: tuple[tuple[str, str], ...]
    programme: Programme
    districts: tuple[District, ...]
    relocation_fee: RelocationFee
    transition_fee: TransitionFee
    decoration: tuple[DecorationLevel, ...]
    business_loss: BusinessLoss
    floor_adjustment: tuple[Adjustment, ...]
    orientation_adjustment: tuple[Adjustment, ...]
    signing_reward: tuple[RewardTier, ...]
    money_option_reward_rate: Decimal
    settlement_price: Decimal
    extra_area_bands: tuple[ExtraAreaBand, ...]
    unregistered_recognition_rate: Decimal
    # the day estimates are made for (Beijing time): reward tiers that ended before it are closed and a sign date
    # before it is refused; None = no date rules (engine tests; staff recomputing an agreement already signed)
    as_of: date | None = None

    def on(self, day: date | None) -> CompensationParams:
        """The same plan as it stands on `day` (see `as_of`)."""
        return replace(self, as_of=day)

    @property
    def open_tiers(self) -> tuple[RewardTier, ...]:
        """The signing-reward tiers one can still sign in on the `as_of` day (all of them without one)."""
        if self.as_of is None:
            return self.signing_reward
        return tuple(t for t in self.signing_reward if t.until >= self.as_of)

    @property
    def tiers_closed(self) -> bool:
        """The plan has signing-reward tiers and every one of them has passed."""
        return bool(self.signing_reward) and not self.open_tiers

    def closed_tiers_text(self) -> str:
        """In plain words: no reward any more (only meaningful when `tiers_closed`)."""
        last = self.signing_reward[-1].until.isoformat()
        end = self.programme.signing_end
        assert self.as_of is not None
        period = f"签约期已于 {end.isoformat()} 结束" if self.as_of > end else f"签约期到 {end.isoformat()} 为止"
        return f"签约奖励各档都已截止（最后一档截至 {last}），现在签约不再有签约奖励；{period}。"

    def clause(self, key: str) -> str:
        """The plan's clause number for `key` (e.g. "第十条")."""
        return dict(self.clauses)[key]

    def plan_source(self, key: str) -> str:
        """The plan's name and clause, e.g. 《示例县…方案》第十条."""
        return f"{self.plan_name}{self.clause(key)}"

    def find_district(self, text: str) -> District | None:
        """A district by id or Chinese name, with or without the suffix 片区 ("dongguan", "东关片区", "东关")."""
        key = text.strip().lower()
        for district in self.districts:
            if key in (district.id.lower(), district.name, district.name.removesuffix("片区")):
                return district
        return None

    def find_decoration(self, text: str) -> DecorationLevel | None:
        """A decoration level by id or label ("standard", "普通装修", "普通")."""
        key = text.strip().lower()
        for level in self.decoration:
            if key in (level.id.lower(), level.label, level.label.removesuffix("装修")):
                return level
        return None

    def find_orientation(self, text: str) -> Adjustment | None:
        """An orientation by id or label ("south", "朝南", "南")."""
        key = text.strip().lower()
        for row in self.orientation_adjustment:
            if key in (row.id.lower(), row.label, row.label.removeprefix("朝")):
                return row
        return None

    def floor_rate(self, floor: int) -> Adjustment | None:
        return next((row for row in self.floor_adjustment if row.id == str(floor)), None)


def load_params(path: str | Path) -> CompensationParams:
    """Read and validate the county parameter file (YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(f"找不到参数文件：{path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ParamsError(f"读不了参数文件 {path}：{exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ParamsError(f"参数文件 {path} 不是有效的 YAML：{exc}") from None
    return parse_params(data)


_PARSED: dict[int, tuple[object, CompensationParams | ParamsError]] = {}


def plan_on(data: Any, day: date | None) -> CompensationParams:
    """`parse_params(data).on(day)`, parsed once per loaded parameter mapping (the chat and /calc ask every turn);
    ParamsError as parse_params."""
    cached = _PARSED.get(id(data))
    if cached is None or cached[0] is not data:
        try:
            cached = (data, parse_params(data))
        except ParamsError as exc:
            cached = (data, exc)
        _PARSED.clear()  # one parameter file is in use at a time
        _PARSED[id(data)] = cached
    if isinstance(cached[1], ParamsError):
        raise cached[1]
    return cached[1].on(day)


def parse_params(data: Any) -> CompensationParams:
    """Validate the parsed params.yaml mapping (all sections) into `CompensationParams`."""
    root = _map(data, "参数文件")
    comp = _map(root.get("compensation"), "compensation")
    plan = _map(root.get("plan"), "plan")
    programme = _programme(_map(root.get("programme"), "programme"))
    clauses = _map(plan.get("clauses"), "plan.clauses")
    exchange = _map(comp.get("exchange"), "compensation.exchange")
    for key in REQUIRED_CLAUSES:
        _text(clauses.get(key), f"plan.clauses.{key}")
    return CompensationParams(
        county=_text(root.get("county"), "county"),
        sample_notice=_text(root.get("sample_notice", ""), "sample_notice", allow_empty=True),
        plan_name=_text(plan.get("name"), "plan.name"),
        clauses=tuple((str(k), _text(v, f"plan.clauses.{k}")) for k, v in clauses.items()),
        programme=programme,
        districts=_districts(root.get("districts")),
        relocation_fee=_relocation_fee(_map(comp.get("relocation_fee"), "compensation.relocation_fee")),
        transition_fee=_transition_fee(_map(comp.get("transition_fee"), "compensation.transition_fee")),
        decoration=_decoration(comp),
        business_loss=_business_loss(_map(comp.get("business_loss"), "compensation.business_loss")),
        floor_adjustment=_floor_adjustment(comp.get("floor_adjustment")),
        orientation_adjustment=_orientation_adjustment(comp.get("orientation_adjustment")),
        signing_reward=_signing_reward(comp.get("signing_reward"), programme),
        money_option_reward_rate=_dec(
            comp.get("money_option_reward_rate"), "compensation.money_option_reward_rate", maximum=Decimal(1)
        ),
        settlement_price=_dec(exchange.get("settlement_price"), "compensation.exchange.settlement_price"),
        extra_area_bands=_bands(exchange.get("extra_area_bands")),
        unregistered_recognition_rate=_dec(
            comp.get("unregistered_recognition_rate"), "compensation.unregistered_recognition_rate", maximum=Decimal(1)
        ),
    )


def _programme(section: Mapping[str, Any]) -> Programme:
    start = _date(section.get("signing_start"), "programme.signing_start")
    end = _date(section.get("signing_end"), "programme.signing_end")
    if end < start:
        raise ParamsError("参数文件有误：programme.signing_end 不能早于 programme.signing_start")
    decision = section.get("decision_date")
    return Programme(
        decision_date=None if decision is None else _date(decision, "programme.decision_date"),
        signing_start=start,
        signing_end=end,
        transition_months=_int(section.get("transition_months"), "programme.transition_months", minimum=0),
        resettlement_handover=_text(
            section.get("resettlement_handover", ""), "programme.resettlement_handover", allow_empty=True
        ),
    )


def _districts(value: Any) -> tuple[District, ...]:
    rows = _list(value, "districts", non_empty=True)
    districts = []
    for i, row in enumerate(rows):
        path = f"districts[{i}]"
        row = _map(row, path)
        districts.append(
            District(
                id=_text(row.get("id"), f"{path}.id"),
                name=_text(row.get("name"), f"{path}.name"),
                reference_price=_dec(row.get("reference_price"), f"{path}.reference_price", positive=True),
                office=_text(row.get("office", ""), f"{path}.office", allow_empty=True),
                phone=_text(row.get("phone", ""), f"{path}.phone", allow_empty=True),
            )
        )
    _unique([d.id for d in districts], "districts[].id")
    _unique([d.name for d in districts], "districts[].name")
    return tuple(districts)


def _relocation_fee(section: Mapping[str, Any]) -> RelocationFee:
    path = "compensation.relocation_fee"
    return RelocationFee(
        per_m2=_dec(section.get("per_m2"), f"{path}.per_m2"),
        min_per_household=_dec(section.get("min_per_household", 0), f"{path}.min_per_household"),
        times_money=_int(section.get("times_money"), f"{path}.times_money", minimum=1),
        times_exchange=_int(section.get("times_exchange"), f"{path}.times_exchange", minimum=1),
    )


def _transition_fee(section: Mapping[str, Any]) -> TransitionFee:
    path = "compensation.transition_fee"
    return TransitionFee(
        per_m2_month=_dec(section.get("per_m2_month"), f"{path}.per_m2_month"),
        min_area=_dec(section.get("min_area", 0), f"{path}.min_area"),
        money_lump_months=_int(section.get("money_lump_months"), f"{path}.money_lump_months", minimum=0),
    )


def _decoration(comp: Mapping[str, Any]) -> tuple[DecorationLevel, ...]:
    schedule = _map(comp.get("decoration_schedule"), "compensation.decoration_schedule")
    labels = _map(comp.get("decoration_labels"), "compensation.decoration_labels")
    if not schedule:
        raise ParamsError("参数文件有误：compensation.decoration_schedule 至少要有一档")
    return tuple(
        DecorationLevel(
            id=str(key),
            label=_text(labels.get(key), f"compensation.decoration_labels.{key}"),
            per_m2=_dec(value, f"compensation.decoration_schedule.{key}"),
        )
        for key, value in schedule.items()
    )


def _business_loss(section: Mapping[str, Any]) -> BusinessLoss:
    path = "compensation.business_loss"
    method = section.get("method")
    if method not in BUSINESS_LOSS_METHODS:
        raise ParamsError(f"参数文件有误：{path}.method 应为 {' 或 '.join(BUSINESS_LOSS_METHODS)}（现在是 {method!r}）")
    if method == "rate_of_value":
        return BusinessLoss(method, _dec(section.get("rate"), f"{path}.rate", maximum=Decimal(1)), 0)
    return BusinessLoss(method, Decimal(0), _int(section.get("months"), f"{path}.months", minimum=1))


def _floor_adjustment(value: Any) -> tuple[Adjustment, ...]:
    path = "compensation.floor_adjustment"
    table = {} if value is None else _map(value, path)
    rows = []
    for key, rate in table.items():
        floor = _int(key, f"{path} 的楼层 {key!r}", minimum=1)
        rows.append(Adjustment(str(floor), f"{floor}层", _rate(rate, f"{path}.{key}")))
    _unique([r.id for r in rows], path)
    return tuple(sorted(rows, key=lambda r: int(r.id)))


def _orientation_adjustment(value: Any) -> tuple[Adjustment, ...]:
    path = "compensation.orientation_adjustment"
    rows = []
    for i, row in enumerate(_list(value if value is not None else [], path)):
        row = _map(row, f"{path}[{i}]")
        rows.append(
            Adjustment(
                id=_text(row.get("id"), f"{path}[{i}].id"),
                label=_text(row.get("label"), f"{path}[{i}].label"),
                rate=_rate(row.get("rate"), f"{path}[{i}].rate"),
            )
        )
    _unique([r.id for r in rows], f"{path}[].id")
    return tuple(rows)


def _signing_reward(value: Any, programme: Programme) -> tuple[RewardTier, ...]:
    path = "compensation.signing_reward"
    tiers = []
    for i, row in enumerate(_list(value if value is not None else [], path)):
        row = _map(row, f"{path}[{i}]")
        until = _date(row.get("until"), f"{path}[{i}].until")
        tiers.append(RewardTier(until, _dec(row.get("amount"), f"{path}[{i}].amount")))
    for earlier, later in pairwise(tiers):
        if later.until <= earlier.until:
            raise ParamsError(f"参数文件有误：{path} 的各档 until 日期应从早到晚排列")
        if later.amount > earlier.amount:
            raise ParamsError(f"参数文件有误：{path} 越晚签约的档次奖励不能更高")
    for tier in tiers:
        if not programme.signing_start <= tier.until <= programme.signing_end:
            raise ParamsError(
                f"参数文件有误：{path} 的日期 {tier.until} 应在签约期（programme.signing_start 至 signing_end）之内"
            )
    return tuple(tiers)


def _bands(value: Any) -> tuple[ExtraAreaBand, ...]:
    path = "compensation.exchange.extra_area_bands"
    rows = _list(value, path, non_empty=True)
    bands = []
    for i, row in enumerate(rows):
        row = _map(row, f"{path}[{i}]")
        up_to = row.get("up_to")
        bands.append(
            ExtraAreaBand(
                up_to=None if up_to is None else _dec(up_to, f"{path}[{i}].up_to", positive=True),
                price=_dec(row.get("price"), f"{path}[{i}].price"),
                label=_text(row.get("label", ""), f"{path}[{i}].label", allow_empty=True),
            )
        )
    if bands[-1].up_to is not None or any(b.up_to is None for b in bands[:-1]):
        raise ParamsError(f"参数文件有误：{path} 只有最后一档的 up_to 为空（null，表示不封顶），前面各档都要填")
    limits = [b.up_to for b in bands[:-1]]
    if any(later <= earlier for earlier, later in pairwise(limits)):  # type: ignore[operator]
        raise ParamsError(f"参数文件有误：{path} 各档 up_to 应从小到大排列")
    return tuple(bands)


# --- scalar checks -------------------------------------------------------------------------------------------


def _map(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ParamsError(f"参数文件有误：缺少 {path}，或它不是“键: 值”形式的一节")
    return value


def _list(value: Any, path: str, *, non_empty: bool = False) -> Sequence[Any]:
    if not isinstance(value, list) or (non_empty and not value):
        raise ParamsError(f"参数文件有误：{path} 应为{'非空' if non_empty else ''}列表（每项以“- ”开头）")
    return value


def _text(value: Any, path: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool) or (not allow_empty and not str(value).strip()):
        raise ParamsError(f"参数文件有误：{path} 应为文字（现在是 {value!r}）")
    return str(value)


def _dec(
    value: Any, path: str, *, positive: bool = False, maximum: Decimal | None = None, minimum: Decimal = Decimal(0)
) -> Decimal:
    number = _to_decimal(value)
    if number is None or number < minimum or (positive and number == 0) or (maximum is not None and number > maximum):
        bound = "大于 0" if positive else f"不小于 {minimum}"
        if maximum is not None:
            bound += f"、不大于 {maximum}"
        raise ParamsError(f"参数文件有误：{path} 应为{bound} 的数字（现在是 {value!r}）")
    return number


def _rate(value: Any, path: str) -> Decimal:
    """An adjustment rate in (-1, 1), e.g. 0.03 for +3 %."""
    return _dec(value, path, minimum=Decimal("-0.99"), maximum=Decimal("0.99"))


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _int(value: Any, path: str, *, minimum: int) -> int:
    number = _to_decimal(value)
    if number is None or number != number.to_integral_value() or number < minimum:
        raise ParamsError(f"参数文件有误：{path} 应为不小于 {minimum} 的整数（现在是 {value!r}）")
    return int(number)


def _date(value: Any, path: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ParamsError(f"参数文件有误：{path} 应为 YYYY-MM-DD 格式的日期（现在是 {value!r}）")


def _unique(values: list[str], path: str) -> None:
    duplicates = sorted({v for v in values if values.count(v) > 1})
    if duplicates:
        raise ParamsError(f"参数文件有误：{path} 有重复：{'、'.join(duplicates)}")
