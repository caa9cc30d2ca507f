"""/calc: the compensation estimate as a web page — a form, and a printable table of both options.

Works without JavaScript: the form is sent with GET (the result can be bookmarked, shared and printed) or POST, and
the page is computed on the server by the same engine as the chat and the CLI (bot/compensation). Each field is
checked on its own, so every mistake is shown next to its field at once; what the engine still refuses (a rule
across fields) is shown next to the field it is about. Bad input answers 422 with the form, never 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.cases.workdays import local_day
from bot.compensation import (
    CompensationParams,
    Estimate,
    InputError,
    Line,
    ParamsError,
    Use,
    estimate,
    household_from_fields,
    parse_params,
)
from bot.compensation.fmt import num, yuan
from bot.compensation.quantity import parse_area, parse_date, parse_floor, parse_money, parse_unit_price
from bot.core.dialogue import Clock
from bot.web.forms import MALFORMED, MalformedForm, read_form
from knowledge.text import clean_input

CLOCK: web.AppKey[Clock] = web.AppKey("calc_clock")  # the app's clock: which reward tiers are still open
MAX_VALUE_CHARS = 100  # what is echoed back into the form; the parsers refuse anything over 40 characters anyway
FORM_ERROR = "_form"
USE_OPTIONS = (
    (Use.RESIDENTIAL.value, "住宅"),
    (Use.BUSINESS.value, "商铺门面（经营用房）"),
    (Use.MIXED.value, "住宅+商铺（商住混合）"),
)
# a message of the engine (a rule across fields) → the field it is about; first match wins
FIELD_OF_MESSAGE = (
    ("经营面积", "business_area"), ("用来经营的面积", "business_area"), ("月净利润", "monthly_profit"),
    ("签约", "sign_date"), ("装修评估金额", "decoration_amount"), ("装修", "decoration"), ("朝向", "orientation"),
    ("片区", "district"), ("用途", "use"), ("安置房面积", "exchange_area"), ("评估单价", "assessed_price"),
    ("未登记", "unregistered_area"), ("楼层", "floor"), ("建筑面积", "area"),
)  # fmt: skip


@dataclass(frozen=True)
class FormField:
    """One input of the form as the template shows it."""

    name: str
    label: str
    hint: str = ""
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()  # a select when not empty
    placeholder: str = ""
    inputmode: str = "decimal"
    more: bool = False  # shown under 更多条件 (folded unless filled in)
    value: str = ""
    error: str = ""


@dataclass(frozen=True)
class Row:
    """One row of the result table: an amount per option, then how it is computed and where it comes from."""

    key: str
    label: str
    money: str | None
    exchange: str | None
    workings: tuple[tuple[str, str], ...] = ()  # (which option, or "" for both; formula)
    sources: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()
    kind: str = "line"  # line | payment | total | net


@dataclass
class Page:
    county: str
    plan: str
    fields: list[FormField]
    errors: dict[str, str] = field(default_factory=dict)
    result: dict[str, Any] | None = None
    unavailable: bool = False


async def calc_page(request: web.Request) -> web.Response:
    """GET /calc (the form; an estimate when the query has answers) and POST /calc (the form's fields)."""
    raw = await _submitted(request)
    try:  # the plan as it stands today (Beijing time): tiers already over are not offered, past dates refused
        params = parse_params(request.app[keys.KNOWLEDGE].params).on(local_day(request.app[CLOCK]()))
    except ParamsError:
        page = Page(county="", plan="", fields=[], unavailable=True)
        return _render(request, page, status=503)
    values = {name: _value(raw, name) for name in _field_names(params)}
    if not any(name in raw for name in values):
        return _render(request, Page(params.county, params.plan_name, form_fields(params, {}, {})))
    errors = field_errors(values, params)
    result = None
    if not errors:
        answers = {**values, "use": _use(values["use"]) or ""} if values.get("use") else values
        try:
            result = estimate(household_from_fields(answers, params), params)
        except InputError as exc:
            errors[_field_of(str(exc), values)] = str(exc)
    page = Page(params.county, params.plan_name, form_fields(params, values, errors), errors)
    if result is not None:
        page.result = result_view(result)
    return _render(request, page, status=422 if errors else 200)


async def _submitted(request: web.Request) -> Mapping[str, Any]:
    if request.method == "GET":
        return request.query
    try:
        return await read_form(request)
    except MalformedForm:  # a malformed body (encoding, broken multipart)
        raise web.HTTPBadRequest(text=MALFORMED) from None


def _value(raw: Mapping[str, Any], name: str) -> str:
    value = raw.getone(name, "") if isinstance(raw, MultiDictProxy) else raw.get(name, "")
    return clean_input(value, MAX_VALUE_CHARS) if isinstance(value, str) else ""


def _field_names(params: CompensationParams) -> list[str]:
    return [f.name for f in form_fields(params, {}, {})]


def _render(request: web.Request, page: Page, status: int = 200) -> web.Response:
    return aiohttp_jinja2.render_template("calc.html", request, {"page": page}, status=status)


# --- the form ---------------------------------------------------------------------------------------------------


def form_fields(params: CompensationParams, values: Mapping[str, str], errors: Mapping[str, str]) -> list[FormField]:
    """The form's inputs for these parameters, with the submitted values and their errors."""
    lowest = min(params.decoration, key=lambda level: level.per_m2)
    fields = [
        FormField("district", "所在片区", required=True, options=(("", "请选择片区"), *(
            (d.id, f"{d.name}（参考价 {num(d.reference_price)} 元/m²）") for d in params.districts))),
        FormField("area", "建筑面积（平方米）", "房产证上的面积，可以写 85、85.5 或 八十五平", required=True,
                  placeholder="例如 85"),
        FormField("use", "房屋用途", options=USE_OPTIONS),
        FormField("business_area", "经营面积（平方米）", "用途选“住宅+商铺”时填写其中用来经营的面积",
                  placeholder="例如 20"),
        FormField("decoration", "装修档次", f"{params.plan_source('decoration')}的标准", options=(
            ("", f"不清楚（按{lowest.label}估算）"),
            *((level.id, f"{level.label}（{num(level.per_m2)} 元/m²）") for level in params.decoration))),
        FormField("decoration_amount", "装修评估金额（元）", "评估报告上有装修及附属物金额的，填这里，不用选档次",
                  placeholder="例如 20000", more=True),
        FormField("assessed_price", "评估单价（元/平方米）", "有评估报告时填写；不填按片区参考价估算",
                  placeholder="例如 5200"),
        FormField("floor", "所在楼层", "按参考价估算时作楼层调整", placeholder="例如 3", inputmode="numeric",
                  more=True),
    ]
    if params.orientation_adjustment:
        fields.append(FormField("orientation", "朝向", "按参考价估算时作朝向调整", more=True, options=(
            ("", "不填"), *((row.id, row.label) for row in params.orientation_adjustment))))
    fields += [
        FormField("unregistered_area", "认定的未登记建筑面积（平方米）", "经调查认定为合法的未登记面积；没有就不填",
                  placeholder="例如 10", more=True),
        FormField("exchange_area", "安置房面积（平方米）", "选产权调换想要的面积；不填按与原面积相同估算",
                  placeholder="例如 100"),
        FormField("sign_date", "签约日期", _sign_hint(params), placeholder=f"例如 {_example_date(params)}",
                  inputmode="text"),
    ]
    if params.business_loss.method == "monthly_profit":
        fields.append(FormField("monthly_profit", "月净利润（元）", "经营用房按月净利润计算停产停业损失",
                                placeholder="例如 8000"))
    return [_with(f, values, errors, params) for f in fields]


def _sign_hint(params: CompensationParams) -> str:
    programme = params.programme
    period = f"签约期 {programme.signing_start.isoformat()} 至 {programme.signing_end.isoformat()}"
    if params.tiers_closed:
        return f"{period}；{params.closed_tiers_text()}"
    tiers = "；".join(f"{t.until.isoformat()} 前（含）签约奖励 {num(t.amount)} 元" for t in params.open_tiers)
    return f"{period}；{tiers}；不填则不计签约奖励" if tiers else period


def _example_date(params: CompensationParams) -> str:
    """A sign date one could still type: the last day of the first open tier, else today."""
    day = params.open_tiers[0].until if params.open_tiers else (params.as_of or params.programme.signing_start)
    return day.isoformat()


def _with(f: FormField, values: Mapping[str, str], errors: Mapping[str, str], params: CompensationParams) -> FormField:
    value = values.get(f.name, "")
    if f.name == "district" and value:  # a typed name in a shared link selects its district
        found = params.find_district(value)
        value = found.id if found else value
    if f.name == "use" and value:
        value = _use(value) or value
    if f.name == "decoration" and value:
        level = params.find_decoration(value)
        value = level.id if level else value
    if f.name == "orientation" and value:
        row = params.find_orientation(value)
        value = row.id if row else value
    return replace(f, value=value, error=errors.get(f.name, ""))


def field_errors(values: Mapping[str, str], params: CompensationParams) -> dict[str, str]:
    """Every field checked on its own: {field: Chinese message}."""
    checks: dict[str, Callable[[str], object]] = {
        "area": lambda t: parse_area(t, "建筑面积"),
        "district": lambda t: _lookup(params.find_district(t), f"没有找到片区“{t[:20]}”，请从列表中选择。"),
        "use": lambda t: _lookup(_use(t), f"没看懂房屋用途“{t[:20]}”，请从列表中选择。"),
        "business_area": lambda t: parse_area(t, "经营面积"),
        "decoration": lambda t: _lookup(params.find_decoration(t), f"没看懂装修档次“{t[:20]}”，请从列表中选择。"),
        "decoration_amount": lambda t: parse_money(t, "装修评估金额"),
        "assessed_price": lambda t: parse_unit_price(t, "评估单价"),
        "floor": lambda t: parse_floor(t),
        "orientation": lambda t: _lookup(params.find_orientation(t), f"没看懂朝向“{t[:20]}”，请从列表中选择。"),
        "unregistered_area": lambda t: parse_area(t, "未登记建筑面积", allow_zero=True),
        "exchange_area": lambda t: parse_area(t, "安置房面积"),
        "sign_date": lambda t: _check_sign_date(t, params),
        "monthly_profit": lambda t: parse_money(t, "月净利润"),
    }
    errors: dict[str, str] = {}
    for name, value in values.items():
        if not value:
            if name == "area":
                errors[name] = "请填写建筑面积（房产证上的面积），例如 85。"
            elif name == "district":
                errors[name] = "请选择房屋所在的片区。"
            continue
        try:
            checks[name](value)
        except InputError as exc:
            errors[name] = str(exc)
    return errors


def _check_sign_date(text: str, params: CompensationParams) -> None:
    """A readable date the engine accepts: asked of the engine with the smallest household, so the rule (not
    before the signing period) stays in one place."""
    parse_date(text)
    smallest = {"area": "1", "district": params.districts[0].id, "sign_date": text}
    estimate(household_from_fields(smallest, params), params)


def _lookup(found: object, message: str) -> object:
    if found is None:
        raise InputError(message)
    return found


def _use(text: str) -> str | None:
    key = text.strip().replace("＋", "+")
    for value, label in USE_OPTIONS:
        if key in (value, label, label.split("（")[0]):
            return value
    try:
        return Use.from_text(key).value
    except InputError:
        return None


def _field_of(message: str, values: Mapping[str, str]) -> str:
    for word, name in FIELD_OF_MESSAGE:
        if word in message and name in values:
            return name
    return FORM_ERROR


# --- the result table -------------------------------------------------------------------------------------------


def result_view(result: Estimate) -> dict[str, Any]:
    """What the template shows: the conditions, one row per item (both options side by side), notes, reminder."""
    money, exchange = result.money, result.exchange
    rows: list[Row] = []
    keys_in_order = list(dict.fromkeys(line.key for line in (*money.lines, *exchange.lines)))
    for key in keys_in_order:
        rows.append(_row(key, money.line(key), exchange.line(key)))
    rows.append(Row("total", "补偿合计", yuan(money.total), yuan(exchange.total), kind="total"))
    for line in exchange.payments:
        rows.append(_row(line.key, money.line(line.key), line, kind="payment"))
    if exchange.payments:
        rows.append(Row("payments_total", "应付安置房房款合计", "—", yuan(exchange.payments_total), kind="total"))
    rows.append(Row("net", "净额（正数领取，负数补交）", yuan(money.net), yuan(exchange.net), kind="net"))
    household = result.household
    conditions = [
        ("片区", result.district_name),
        ("房屋用途", result.use.label),
        ("建筑面积", f"{num(household.area)} m²"),
        ("房屋单价", f"{num(result.unit_price)} 元/m²"
                    + ("（评估单价）" if household.assessed_unit_price is not None else "（参考价估算）")),
        ("安置房面积", f"{num(result.exchange_area)} m²"),
        ("签约日期", household.sign_date.isoformat() if household.sign_date else "未填写"),
    ]
    if household.business_area is not None:
        conditions.insert(3, ("经营面积", f"{num(household.business_area)} m²"))
    line_notes = (line.note for option in result.options for line in (*option.lines, *option.payments))
    return {
        "title": f"{result.county}房屋征收补偿估算",
        "plan": result.plan_name,
        "conditions": conditions,
        "rows": rows,
        "money_label": money.label,
        "exchange_label": exchange.label,
        "comparison": result.comparison.splitlines(),
        "notes": list(dict.fromkeys((*result.notes, *(n for n in line_notes if n)))),
        "reminder": result.reminder,
    }


def _row(key: str, money: Line | None, exchange: Line | None, kind: str = "line") -> Row:
    some = money or exchange
    assert some is not None
    return Row(
        key=key,
        label=some.label,
        money=yuan(money.amount) if money else "—",
        exchange=yuan(exchange.amount) if exchange else "—",
        workings=_per_option(money.formula if money else None, exchange.formula if exchange else None),
        sources=_per_option(money.source if money else None, exchange.source if exchange else None),
        kind=kind,
    )


def _per_option(money: str | None, exchange: str | None) -> tuple[tuple[str, str], ...]:
    """One text for both options when they agree, else each with its option's name."""
    if money is not None and money == exchange:
        return (("", money),)
    parts = []
    if money is not None:
        parts.append(("货币补偿", money))
    if exchange is not None:
        parts.append(("产权调换", exchange))
    return tuple(parts)


def setup(app: web.Application, clock: Clock) -> None:
    app[CLOCK] = clock
    app.router.add_get("/calc", calc_page, name="calc")
    app.router.add_post("/calc", calc_page)
