"""/calc: the compensation estimate as a web page — a form, and a printable table of both options.

Works without JavaScript: the form is sent with GET (the result can be bookmarked, shared and printed) or POST, and
the page is computed on the server by the same engine as the chat and the CLI (bot/compensation). Each field is
checked on its own, so every mistake is shown next to its field at once; what the engine still refuses (a rule
across fields) is shown next to the field it is about. Bad input answers 422 with the form, never 500.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot import keys
from bot.cases.workdays import local_day
from bot.compensation import CompensationParams, Estimate, InputError, ParamsError, estimate
from bot.compensation.fields import FIELD, read_answers
from bot.compensation.fmt import num, yuan
from bot.compensation.intake import household_from_values
from bot.compensation.params import plan_on
from bot.compensation.rows import side_by_side
from bot.core.dialogue import Clock
from bot.web.forms import MALFORMED, MalformedForm, read_form
from knowledge.text import clean_input

CLOCK: web.AppKey[Clock] = web.AppKey("calc_clock")  # the app's clock: which reward tiers are still open
MAX_VALUE_CHARS = 100  # what is echoed back into the form; the parsers refuse anything over 40 characters anyway
FORM_ERROR = "_form"
SELECTS = frozenset({"district", "use", "decoration", "orientation"})  # picked from a list; the rest are typed


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
        params = plan_on(request.app[keys.KNOWLEDGE].params, local_day(request.app[CLOCK]()))
    except ParamsError:
        page = Page(county="", plan="", fields=[], unavailable=True)
        return _render(request, page, status=503)
    values = {name: _value(raw, name) for name in _field_names(params)}
    if not any(name in raw for name in values):
        return _render(request, Page(params.county, params.plan_name, form_fields(params, {}, {})))
    read, errors = read_answers(values, params)
    result = None
    if not errors:
        try:
            result = estimate(household_from_values(read), params)
        except InputError as exc:  # a rule across fields: shown next to the field it blames
            errors[exc.field if exc.field in values else FORM_ERROR] = str(exc)
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
        _input("district", params, required=True, blank="请选择片区"),
        _input("area", params, "房产证上的面积，可以写 85、85.5 或 八十五平", required=True, placeholder="例如 85"),
        _input("use", params),
        _input("business_area", params, "用途选“住宅+商铺”时填写其中用来经营的面积", placeholder="例如 20"),
        _input(
            "decoration", params, f"{params.plan_source('decoration')}的标准", blank=f"不清楚（按{lowest.label}估算）"
        ),
        _input(
            "decoration_amount",
            params,
            "评估报告上有装修及附属物金额的，填这里，不用选档次",
            placeholder="例如 20000",
            more=True,
        ),
        _input("assessed_price", params, "有评估报告时填写；不填按片区参考价估算", placeholder="例如 5200"),
        _input("floor", params, "按参考价估算时作楼层调整", placeholder="例如 3", inputmode="numeric", more=True),
    ]
    if params.orientation_adjustment:
        fields.append(_input("orientation", params, "按参考价估算时作朝向调整", more=True, blank="不填"))
    fields += [
        _input(
            "unregistered_area",
            params,
            "经调查认定为合法的未登记面积；没有就不填",
            placeholder="例如 10",
            more=True,
            label="认定的未登记建筑面积（平方米）",
        ),
        _input("exchange_area", params, "选产权调换想要的面积；不填按与原面积相同估算", placeholder="例如 100"),
        _input("sign_date", params, _sign_hint(params), placeholder=f"例如 {_example_date(params)}", inputmode="text"),
    ]
    if params.business_loss.method == "monthly_profit":
        fields.append(_input("monthly_profit", params, "经营用房按月净利润计算停产停业损失", placeholder="例如 8000"))
    return [_with(f, values, errors, params) for f in fields]


def _input(
    name: str, params: CompensationParams, hint: str = "", *, blank: str | None = None, label: str = "", **shown: Any
) -> FormField:
    """The input of a field of bot.compensation.fields: its label (with the unit), and a list for a choice."""
    answer = FIELD[name]
    options: tuple[tuple[str, str], ...] = ()
    if name in SELECTS and answer.choices is not None:
        choices = tuple((c.id, f"{c.label}（{c.detail}）" if c.detail else c.label) for c in answer.choices(params))
        options = ((("", blank),) if blank is not None else ()) + choices
    label = label or (f"{answer.label}（{answer.unit}）" if answer.unit else answer.label)
    return FormField(name, label, hint, options=options, **shown)


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
    choice_of = FIELD[f.name].choice_of
    if f.options and value and choice_of is not None:  # a name in a shared link (东关) selects its choice
        value = choice_of(value, params) or value
    return replace(f, value=value, error=errors.get(f.name, ""))


# --- the result table -------------------------------------------------------------------------------------------


def result_view(result: Estimate) -> dict[str, Any]:
    """What the template shows: the conditions, the side-by-side rows (bot.compensation.rows), notes, reminder."""
    money, exchange = result.money, result.exchange
    household = result.household
    conditions = [
        ("片区", result.district_name),
        ("房屋用途", result.use.label),
        ("建筑面积", f"{num(household.area)} m²"),
        (
            "房屋单价",
            f"{num(result.unit_price)} 元/m²"
            + ("（评估单价）" if household.assessed_unit_price is not None else "（参考价估算）"),
        ),
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
        "rows": side_by_side(result),
        "cell": _cell,
        "money_label": money.label,
        "exchange_label": exchange.label,
        "comparison": result.comparison.splitlines(),
        "notes": list(dict.fromkeys((*result.notes, *(n for n in line_notes if n)))),
        "reminder": result.reminder,
    }


def _cell(amount: Decimal | None) -> str:
    return "—" if amount is None else yuan(amount)


def setup(app: web.Application, clock: Clock) -> None:
    app[CLOCK] = clock
    app.router.add_get("/calc", calc_page, name="calc")
    app.router.add_post("/calc", calc_page)
