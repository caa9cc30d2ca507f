"""估算补偿 (intent:calculator): a few questions, one per step, then money vs exchange side by side.

The answers live in `Conversation.data` as strings, under the field names of `household_from_fields`
(plus "appraisal": "yes" / "no"); a skipped optional question is stored as "". The current question is always the
first needed step without an answer, so 返回 removes the last answer and 取消 drops them all.

After the estimate the flow stays on the step "result", so that 查看计算明细 and 返回 (change the last answer) still
work; anything else typed or tapped there is a new message, handed back to the router with the flow closed.
Pure: the county parameters come from the knowledge base in the context; no database, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from urllib.parse import urlencode

from bot.cases.workdays import local_day
from bot.compensation import (
    CompensationParams,
    Estimate,
    InputError,
    Line,
    Option,
    ParamsError,
    Use,
    estimate,
    household_from_fields,
    parse_params,
)
from bot.compensation.fmt import num, yuan
from bot.compensation.items import APPRAISAL_RULES, REGULATION
from bot.compensation.quantity import parse_area, parse_date, parse_money, parse_unit_price
from bot.core.messages import Button, Inbound, InboundKind, Link, Outbound
from handlers import menu
from handlers.flows import BACK_WORDS, CANCEL_WORDS, NEEDS_TEXT, is_unsupported
from bot.core.port import Conversation, Turn, TurnContext

NAME = "calculator"
PREFIX = "calc:"
RESULT = "result"
CALC_PAGE = "/calc"
CALC_LINK_LABEL = "打开网页版估算页面（已填好您的回答）"
SKIP_WORDS = frozenset({"跳过", "略过", "不填", "不知道", "不清楚", "skip"})
DETAIL_WORDS = frozenset({"明细", "计算明细", "查看明细", "查看计算明细", "怎么算的"})
AGAIN_WORDS = frozenset({"重新估算", "再算一次", "重新算", "重算"})
YES_WORDS = frozenset({"有", "有的", "有了", "是", "是的", "拿到了", "有评估单价", "有评估价", "yes", "y"})
NO_WORDS = frozenset({"没有", "没", "无", "还没有", "没拿到", "还没", "否", "不是", "no", "n"})
USE_CHOICES = (("residential", "住宅"), ("business", "商铺门面"), ("mixed", "住宅+商铺"))
STALE = "这个按钮已经过期了。"
ANSWER_KINDS = frozenset({InboundKind.TEXT, InboundKind.VOICE})  # voice: the words WeChat recognised

Answers = Mapping[str, str]


# --- the steps: a question, how an answer is taken, and when the step is needed --------------------------------


def ask_district(a: Answers, p: CompensationParams) -> str:
    """Which district the house is in."""
    return "您的房子在哪个片区？请点下面的按钮。"


def take_district(text: str, a: Answers, p: CompensationParams) -> str:
    """The district's id, from a button (the id) or its typed name (东关 / 东关片区)."""
    district = p.find_district(text)
    if district is None:
        names = "、".join(d.name for d in p.districts)
        raise InputError(f"没有找到片区“{_shown(text)}”。本项目的片区有：{names}。")
    return district.id


def district_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """One button per district of the parameter file."""
    return tuple((d.id, d.name) for d in p.districts)


def ask_area(a: Answers, p: CompensationParams) -> str:
    """The registered building area."""
    return "房产证上的建筑面积是多少平方米？\n请直接打字，例如：85、85.5平方米 或 八十五平。"


def take_area(text: str, a: Answers, p: CompensationParams) -> str:
    """An area in m² (85, 85㎡, 八十五平 …), also inside a sentence about the house (一百二十平的砖房)."""
    try:
        return _plain(parse_area(text, "建筑面积"))
    except InputError:
        found = AREA_IN_TEXT.search(unicodedata.normalize("NFKC", text))
        if found is None or found.group(0) == text.strip():
            raise
        return _plain(parse_area(found.group(0), "建筑面积"))


def ask_use(a: Answers, p: CompensationParams) -> str:
    """What the house is used for."""
    return "房子是做什么用的？"


def take_use(text: str, a: Answers, p: CompensationParams) -> str:
    """residential / business / mixed, from a button or a word (住宅, 门面, 商住 …)."""
    key = text.strip().replace("＋", "+")
    for value, label in USE_CHOICES:
        if key in (value, label, label.replace("+", "加"), label.replace("+", "")):
            return value
    try:
        return Use.from_text(key).value
    except InputError:
        raise InputError(f"没看懂房屋用途“{_shown(text)}”，请点按钮选择：住宅、商铺门面、住宅+商铺。") from None


def use_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """住宅 / 商铺门面 / 住宅+商铺."""
    return USE_CHOICES


def needs_business_area(a: Answers, p: CompensationParams) -> bool:
    """Only mixed use asks which part is used for business."""
    return a.get("use") == Use.MIXED.value


def ask_business_area(a: Answers, p: CompensationParams) -> str:
    """The part of a mixed-use house used for business."""
    return f"其中用来经营（商铺门面）的面积是多少平方米？（建筑面积共 {num(Decimal(a['area']))} m²）"


def take_business_area(text: str, a: Answers, p: CompensationParams) -> str:
    """An area in m², not more than the building area."""
    value, area = parse_area(text, "经营面积"), Decimal(a["area"])
    if value > area:
        raise InputError(f"经营面积（{num(value)} 平方米）不能大于建筑面积（{num(area)} 平方米），请核对。")
    return _plain(value)


def needs_monthly_profit(a: Answers, p: CompensationParams) -> bool:
    """Only when business use is paid by the plan as months of net profit."""
    return a.get("use") in (Use.BUSINESS.value, Use.MIXED.value) and p.business_loss.method == "monthly_profit"


def ask_monthly_profit(a: Answers, p: CompensationParams) -> str:
    """The monthly net profit of the business."""
    months = p.business_loss.months
    return (
        f"按{p.plan_source('business_loss')}，停产停业损失按月净利润 × {months} 个月计算。\n"
        "经营的月净利润大约是多少元？例如：8000 或 八千。"
    )


def take_monthly_profit(text: str, a: Answers, p: CompensationParams) -> str:
    """An amount in 元 (8000, 8千, 八千元 …)."""
    return _plain(parse_money(text, "月净利润"))


def ask_decoration(a: Answers, p: CompensationParams) -> str:
    """The decoration level, with the plan's per-m² schedule."""
    schedule = "、".join(f"{level.label} {num(level.per_m2)} 元/m²" for level in p.decoration)
    return f"房子的装修属于哪一档？\n（{p.plan_source('decoration')}：{schedule}）"


def take_decoration(text: str, a: Answers, p: CompensationParams) -> str:
    """A decoration level's id, from a button or its label (普通装修 / 普通)."""
    level = p.find_decoration(text)
    if level is None:
        labels = "、".join(level.label for level in p.decoration)
        raise InputError(f"没看懂装修档次“{_shown(text)}”，请点按钮选择：{labels}。")
    return level.id


def decoration_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """One button per decoration level of the plan."""
    return tuple((level.id, level.label) for level in p.decoration)


def ask_appraisal(a: Answers, p: CompensationParams) -> str:
    """Whether the resident has the appraised unit price."""
    district = p.find_district(a.get("district", ""))
    reference = f"按{district.name}参考价 {num(district.reference_price)} 元/m² " if district else "按参考价"
    return f"您拿到评估报告了吗？报告上有房屋的评估单价吗？\n没有的话，{reference}估算。"


def take_appraisal(text: str, a: Answers, p: CompensationParams) -> str:
    """yes / no."""
    key = text.strip().lower()
    if key in YES_WORDS:
        return "yes"
    if key in NO_WORDS or key.startswith("没有"):
        return "no"
    raise InputError("请点按钮回答：有评估单价，或者还没有。")


def appraisal_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """有 / 没有."""
    return (("yes", "有评估单价"), ("no", "还没有（按参考价）"))


def needs_assessed_price(a: Answers, p: CompensationParams) -> bool:
    """Only when the resident has an appraisal report."""
    return a.get("appraisal") == "yes"


def ask_assessed_price(a: Answers, p: CompensationParams) -> str:
    """The appraised unit price."""
    return "评估报告上的房屋评估单价是多少元/平方米？例如：5200 或 5200元/平方米。"


def take_assessed_price(text: str, a: Answers, p: CompensationParams) -> str:
    """A unit price in 元/m²."""
    return _plain(parse_unit_price(text, "评估单价"))


def ask_exchange_area(a: Answers, p: CompensationParams) -> str:
    """The resettlement flat's area, for the exchange option (optional)."""
    area = num(Decimal(a["area"])) if "area" in a else "原"
    return (
        "如果选产权调换，您想要多大面积的安置房？请打字，例如 100 或 一百平。\n"
        f"还没定的话点“跳过”，按与原面积相同（{area} m²）估算。"
    )


def take_exchange_area(text: str, a: Answers, p: CompensationParams) -> str:
    """An area in m²."""
    return _plain(parse_area(text, "安置房面积"))


def ask_sign_date(a: Answers, p: CompensationParams) -> str:
    """The intended signing date (optional), with the reward tiers still open on the day (Beijing time)."""
    programme = p.programme
    tiers = [f"· {t.until.isoformat()} 前（含）：每户 {num(t.amount)} 元" for t in p.open_tiers]
    if tiers:
        head = "您打算哪天签约？现在签约还能享受的签约奖励按日期分档："
    elif p.tiers_closed:
        head = f"您打算哪天签约？{p.closed_tiers_text()}"
    else:
        head = "您打算哪天签约？（方案未设签约奖励）"
    example = p.open_tiers[0].until if p.open_tiers else (p.as_of or programme.signing_start)
    how = "点按钮，或打字输入日期" if tiers else "请打字输入日期"
    return "\n".join(
        (
            head,
            *tiers,
            f"签约期 {programme.signing_start.isoformat()} 至 {programme.signing_end.isoformat()}。"
            f"{how}（如 {example.isoformat()}）；还没定就点“跳过”（暂不计签约奖励）。",
        )
    )


def take_sign_date(text: str, a: Answers, p: CompensationParams) -> str:
    """A date from today on, within (or after) the signing period; checked by the engine with all other answers."""
    value = parse_date(text).isoformat()
    estimate(household_from_fields(_fields({**a, "sign_date": value}), p), p)  # InputError: outside the period
    return value


def sign_date_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """One button per reward tier still open: signing on its last day."""
    return tuple((t.until.isoformat(), f"{t.until.month}月{t.until.day}日前签") for t in p.open_tiers)


def _never_choices(a: Answers, p: CompensationParams) -> tuple[tuple[str, str], ...]:
    """A typed answer: no choice buttons."""
    return ()


def _always(a: Answers, p: CompensationParams) -> bool:
    """Asked of every household."""
    return True


@dataclass(frozen=True)
class Step:
    """One question: its text, how an answer becomes the stored string (or InputError), its buttons, when needed."""

    name: str
    ask: Callable[[Answers, CompensationParams], str]
    take: Callable[[str, Answers, CompensationParams], str]
    choices: Callable[[Answers, CompensationParams], tuple[tuple[str, str], ...]] = _never_choices
    needed: Callable[[Answers, CompensationParams], bool] = _always
    optional: bool = False


STEPS = (
    Step("district", ask_district, take_district, district_choices),
    Step("area", ask_area, take_area),
    Step("use", ask_use, take_use, use_choices),
    Step("business_area", ask_business_area, take_business_area, needed=needs_business_area),
    Step("monthly_profit", ask_monthly_profit, take_monthly_profit, needed=needs_monthly_profit),
    Step("decoration", ask_decoration, take_decoration, decoration_choices),
    Step("appraisal", ask_appraisal, take_appraisal, appraisal_choices),
    Step("assessed_price", ask_assessed_price, take_assessed_price, needed=needs_assessed_price),
    Step("exchange_area", ask_exchange_area, take_exchange_area, optional=True),
    Step("sign_date", ask_sign_date, take_sign_date, sign_date_choices, optional=True),
)
# the answers that are fields of household_from_fields ("appraisal" only decides whether a price is asked)
FIELD_NAMES = ("district", "area", "use", "business_area", "monthly_profit", "decoration", "assessed_price",
               "exchange_area", "sign_date")  # fmt: skip


# --- the flow ---------------------------------------------------------------------------------------------------


class CalculatorFlow:
    """估算补偿, listed in handlers.router.FLOWS under "calculator"."""

    name = NAME

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Say what the estimate is and ask the first question."""
        return begin(state.idle(), ctx)

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """A typed answer, or a typed 返回 / 取消 / 跳过 / 菜单."""
        params = _params(ctx)
        if params is None:
            return unavailable(state, ctx)
        text = inbound.text.strip()
        word = text.lower()
        if state.step == RESULT:
            return await after_result(state, inbound, params, ctx)
        if inbound.kind not in ANSWER_KINDS or is_unsupported(inbound):  # a photo, video, file, place …
            current = _current(state, params)
            return finish(state, params) if current is None else ask(state, current, params, notice=NEEDS_TEXT)
        if word in CANCEL_WORDS:
            return cancel(state)
        if word in BACK_WORDS:
            return back(state, params, ctx)
        if word in menu.MENU_WORDS:
            return menu.welcome(state.idle(), ctx)
        current = _current(state, params)
        if current is None:
            return finish(state, params)
        if current.optional and word in SKIP_WORDS:
            return answer(state, current, "", params)
        return take(state, current, text, params)

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """A tapped choice, 跳过, 返回, 取消, or one of the result's buttons; anything else is stale."""
        params = _params(ctx)
        if params is None:
            return unavailable(state, ctx)
        if button_id == f"{PREFIX}cancel":
            return cancel(state)
        if button_id == f"{PREFIX}again":
            return begin(state.idle(), ctx)
        if state.step == RESULT:
            if button_id == f"{PREFIX}back:{RESULT}":
                return back(state, params, ctx)
            if button_id == f"{PREFIX}detail:{answers_digest(state.data)}":
                return details(state, params)
            if button_id.startswith(f"{PREFIX}"):
                return stale_result(state)
            return await hand_back(state, Inbound("", "", "", InboundKind.BUTTON, button_id), ctx)
        current = _current(state, params)
        if current is None:
            return finish(state, params)
        action, _, rest = button_id.removeprefix(PREFIX).partition(":")
        step_name, _, value = rest.partition(":")
        if not button_id.startswith(PREFIX) or step_name != current.name:
            return ask(state, current, params, notice=STALE + "请回答现在这一步：")
        if action == "back":
            return back(state, params, ctx)
        if action == "skip" and current.optional:
            return answer(state, current, "", params)
        if action == "pick":
            return take(state, current, value, params)
        return ask(state, current, params, notice=STALE + "请回答现在这一步：")


FLOW = CalculatorFlow()


# --- moving through the steps -----------------------------------------------------------------------------------


def begin(state: Conversation, ctx: TurnContext) -> Turn:
    """The introduction and the first question."""
    params = _params(ctx)
    if params is None:
        return unavailable(state, ctx)
    data = prefill(state.last_question or "", params)
    first = _next_step(data, params) or STEPS[0]
    fresh = replace(state, flow=NAME, step=first.name, data=data)
    intro = (
        f"好的，我按{params.plan_name}帮您估算征收补偿，把货币补偿和产权调换两种方式逐项算给您看。\n"
        "每一步都可以点“返回”改上一步，或点“取消”不算了。"
    )
    if data:
        intro += "\n已记下您说的：" + "，".join(_prefilled_text(data, params)) + "。"
    return ask(fresh, first, params, notice=intro)


AREA_IN_TEXT = re.compile(r"([0-9]+(?:\.[0-9]+)?|[零〇一二两三四五六七八九十百千点]+)\s*(?:平方米|平米|平方|个平方|平|㎡|m2)")


def prefill(question: str, params: CompensationParams) -> Answers:
    """What the resident already said in the question that started the flow (俺家东关85平能补多少): not asked again."""
    data: Answers = {}
    district = next((d for d in params.districts if d.name.removesuffix("片区") in question), None)
    if district is not None:
        data["district"] = district.id
    found = AREA_IN_TEXT.search(unicodedata.normalize("NFKC", question))
    if found is not None:
        try:
            data["area"] = take_area(found.group(0), data, params)
        except InputError:
            pass  # asked again in its own step, with the reason
    return data


def _prefilled_text(data: Answers, params: CompensationParams) -> list[str]:
    shown = []
    if "district" in data:
        shown.append(next(d.name for d in params.districts if d.id == data["district"]))
    if "area" in data:
        shown.append(f"建筑面积 {data['area']} 平方米")
    return shown


def take(state: Conversation, current: Step, text: str, params: CompensationParams) -> Turn:
    """Check the answer to the current question: store it and go on, or explain and ask again."""
    try:
        value = current.take(text, state.data, params)
    except InputError as exc:
        hint = "" if current.choices(state.data, params) else "\n（想办别的事，请先点“取消”。）"
        return ask(state, current, params, notice=f"⚠️ {exc}{hint}")
    return answer(state, current, value, params)


def answer(state: Conversation, current: Step, value: str, params: CompensationParams) -> Turn:
    """Store an answer ("" = skipped) and ask the next question, or show the estimate."""
    data = {**state.data, current.name: value}
    following = _next_step(data, params)
    if following is None:
        return finish(replace(state, data=data), params)
    return ask(replace(state, step=following.name, data=data), following, params)


def back(state: Conversation, params: CompensationParams, ctx: TurnContext) -> Turn:
    """Remove the last answer and ask that question again; before the first question, leave for the menu."""
    answered = [s for s in _needed(state.data, params) if s.name in state.data]
    if not answered:
        turn = menu.welcome(state.idle(), ctx)
        return Turn(turn.state, (Outbound("已退出补偿估算。"), *turn.replies))
    last = answered[-1]
    data = {k: v for k, v in state.data.items() if k != last.name}
    return ask(replace(state, step=last.name, data=data), last, params, notice="好的，回到上一步。")


def cancel(state: Conversation) -> Turn:
    """Drop the answers and close the flow."""
    text = "已取消补偿估算，刚才填写的内容没有保存。需要时可以随时再点“估算补偿”。"
    return Turn(state.idle(), (Outbound(text, menu.MENU),))


def ask(state: Conversation, current: Step, params: CompensationParams, notice: str = "") -> Turn:
    """The current question with its buttons: choices, 跳过 if optional, 返回 and 取消."""
    needed = _needed(state.data, params)
    position = next((i for i, s in enumerate(needed, start=1) if s.name == current.name), len(needed))
    text = f"（第 {position}/{len(needed)} 步）{current.ask(state.data, params)}"
    choices = current.choices(state.data, params)
    buttons = [Button(f"{PREFIX}pick:{current.name}:{value}", label) for value, label in choices]
    if current.optional:
        buttons.append(Button(f"{PREFIX}skip:{current.name}", "跳过"))
    buttons += [Button(f"{PREFIX}back:{current.name}", "返回"), Button(f"{PREFIX}cancel", "取消")]
    body = f"{notice}\n\n{text}" if notice else text
    return Turn(replace(state, flow=NAME, step=current.name), (Outbound(body, tuple(buttons)),))


def finish(state: Conversation, params: CompensationParams) -> Turn:
    """Compute the estimate from the answers and show it; the flow waits on "result" for its buttons."""
    try:
        result = estimate(household_from_fields(_fields(state.data), params), params)
    except InputError as exc:  # every answer was checked on its step: only a changed parameter file gets here
        text = f"抱歉，没能算出结果：{exc}\n请重新估算。"
        return Turn(state.idle(), (Outbound(text, (AGAIN_BUTTON, menu.MENU_BUTTON)),))
    done = replace(state, step=RESULT)
    buttons = (
        Button(f"{PREFIX}detail:{answers_digest(state.data)}", "查看计算明细"),
        AGAIN_BUTTON,
        Button(f"{PREFIX}back:{RESULT}", "返回"),
        menu.MENU_BUTTON,
    )
    advice = Outbound(advice_text(result), buttons, (Link(CALC_LINK_LABEL, calc_link(state.data)),))
    return Turn(done, (Outbound(summary_text(result)), Outbound(sources_text(result)), advice))


def details(state: Conversation, params: CompensationParams) -> Turn:
    """Every line of both options with its formula and source."""
    try:
        result = estimate(household_from_fields(_fields(state.data), params), params)
    except InputError:
        return stale_result(state)
    texts = detail_texts(result)
    replies = [Outbound(t) for t in texts[:-1]]
    replies.append(Outbound(texts[-1], (AGAIN_BUTTON, menu.MENU_BUTTON)))
    return Turn(state, tuple(replies))


async def after_result(state: Conversation, inbound: Inbound, params: CompensationParams, ctx: TurnContext) -> Turn:
    """Typed after the estimate: 明细, 重新估算, 返回, 取消 — anything else is a new question for the router."""
    word = inbound.text.strip().lower()
    if word in DETAIL_WORDS:
        return details(state, params)
    if word in AGAIN_WORDS:
        return begin(state.idle(), ctx)
    if word in BACK_WORDS:
        return back(state, params, ctx)
    if word in CANCEL_WORDS:
        return Turn(state.idle(), (Outbound("好的，补偿估算已结束。还有问题可以直接问我。", menu.MENU),))
    return await hand_back(state, inbound, ctx)


async def hand_back(state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
    """Close the flow and let the router answer the message as if no flow were active."""
    from handlers.router import respond  # the router imports this module (to register the flow): import late

    return await respond(state.idle(), inbound, ctx)


def stale_result(state: Conversation) -> Turn:
    """A button of an earlier estimate."""
    text = STALE + "这是之前一次估算的按钮，请看最新的估算结果，或点“重新估算”。"
    return Turn(state, (Outbound(text, (AGAIN_BUTTON, menu.MENU_BUTTON)),))


def unavailable(state: Conversation, ctx: TurnContext) -> Turn:
    """The parameter file cannot be used: say so and point to a person."""
    text = "抱歉，补偿估算暂时用不了。您可以问我补偿政策，或点“转人工”找工作人员当面核算。"
    return Turn(state.idle(), (Outbound(text, (Button("intent:human", "转人工"), menu.MENU_BUTTON)),))


AGAIN_BUTTON = Button(f"{PREFIX}again", "重新估算")


def calc_link(data: Answers) -> str:
    """/calc with the resident's answers, so that the page opens on the same estimate (skipped answers left out)."""
    return f"{CALC_PAGE}?{urlencode({k: v for k, v in _fields(data).items() if v})}"


def answers_digest(data: Answers) -> str:
    """A short fingerprint of the answers: 查看计算明细 of an earlier estimate is recognised as stale."""
    blob = json.dumps({k: data[k] for k in sorted(data)}, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]


def _params(ctx: TurnContext) -> CompensationParams | None:
    """The plan as it stands today in Beijing time: tiers already over are not offered, past sign dates refused."""
    try:
        return parse_params(ctx.kb.params).on(local_day(ctx.now))
    except ParamsError:
        return None


def _needed(data: Answers, params: CompensationParams) -> list[Step]:
    return [s for s in STEPS if s.needed(data, params)]


def _next_step(data: Answers, params: CompensationParams) -> Step | None:
    return next((s for s in _needed(data, params) if s.name not in data), None)


def _current(state: Conversation, params: CompensationParams) -> Step | None:
    """The step being asked: the first needed one without an answer (None: all answered)."""
    return _next_step(state.data, params)


def _fields(data: Answers) -> dict[str, str]:
    return {k: str(data[k]) for k in FIELD_NAMES if k in data}


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _shown(text: str) -> str:
    text = text.strip()
    return text if len(text) <= 20 else text[:20] + "…"


# --- the estimate as chat bubbles (narrow: a phone) ------------------------------------------------------------

SHORT_LABELS = {
    "house_value": "房屋价值",
    "unregistered_value": "未登记房",
    "decoration": "装修附属",
    "business_loss": "停业损失",
    "relocation_fee": "搬迁费",
    "transition_fee": "临时安置",
    "signing_reward": "签约奖励",
    "money_option_reward": "货币奖励",
}
LABEL_WIDTH = 4
SEP = "｜"


def summary_text(result: Estimate) -> str:
    """Both options side by side, one row per item, amounts in whole 元 where there are no fen."""
    money, exchange = result.money, result.exchange
    head = [
        "补偿估算结果（仅供参考）",
        f"{result.district_name} · {result.use.label} · {num(result.household.area)} m²",
        f"房屋单价：{num(result.unit_price)} 元/m²"
        + ("（评估单价）" if result.household.assessed_unit_price is not None else "（参考价）"),
        "",
        f"单位：元　货币补偿{SEP}产权调换",
    ]
    keys = list(dict.fromkeys(line.key for line in (*money.lines, *exchange.lines)))
    rows = [_row(SHORT_LABELS.get(k, _label_of(result, k)), money.line(k), exchange.line(k)) for k in keys]
    rows.append("—" * 12)
    rows.append(f"{_pad('补偿合计')}{_short(money.total)}{SEP}{_short(exchange.total)}")
    if exchange.payments:
        rows.append(f"{_pad('减安置房')}—{SEP}{_short(exchange.payments_total)}")
    rows.append(f"{_pad('净额')}{_short(money.net)}{SEP}{_short(exchange.net)}")
    tail = [
        "",
        f"产权调换：安置房 {num(result.exchange_area)} m²，净额＝补偿合计－安置房房款"
        + ("（负数是您需要补交的钱）。" if exchange.net < 0 else "。"),
    ]
    return "\n".join([*head, *rows, *tail])


def sources_text(result: Estimate) -> str:
    """Each line's source, with the long names abbreviated once."""
    plan = result.plan_name
    out = ["各项依据"]
    keys = list(dict.fromkeys(line.key for line in (*result.money.lines, *result.exchange.lines)))
    for key in keys:
        label = SHORT_LABELS.get(key, _label_of(result, key)).replace("　", "")
        m, x = result.money.line(key), result.exchange.line(key)
        if m and x and m.source != x.source:
            out.append(f"· {label}：货币补偿—{_abbrev(m.source, plan)}｜产权调换—{_abbrev(x.source, plan)}")
        else:
            out.append(f"· {label}：{_abbrev((m or x).source, plan)}")  # type: ignore[union-attr]
    if result.exchange.payments:
        out.append(f"· 安置房房款：{_abbrev(result.exchange.payments[0].source, plan)}")
    out.append(f"（条例＝{REGULATION}；评估办法＝{APPRAISAL_RULES}；方案＝{plan}）")
    return "\n".join(out)


def advice_text(result: Estimate) -> str:
    """The trade-off, the assumptions, the reminder, and where to see the workings or print."""
    out = ["两种方式怎么选", result.comparison]
    line_notes = (line.note for option in result.options for line in (*option.lines, *option.payments))
    notes = list(dict.fromkeys((*result.notes, *(note for note in line_notes if note))))
    if notes:
        out += ["", "估算说明", *(f"· {note}" for note in notes)]
    out += [
        "",
        f"提醒：{result.reminder}",
        "",
        "点“查看计算明细”看每一项的算法。",
        "要打印，或加上楼层、朝向、装修评估金额等更多条件，可以用网页版估算页面。",
    ]
    return "\n".join(out)


def detail_texts(result: Estimate) -> list[str]:
    """One bubble per option: every line with amount, formula, source and note; totals; the net for exchange."""
    texts = []
    for option in result.options:
        out = [f"【{option.label}】计算明细"]
        number = 0
        for line in option.lines:
            number += 1
            out += _detail_line(number, line)
        out.append(f"补偿合计：{yuan(option.total)} 元")
        if option.payments:
            out += ["", "您需支付的安置房房款："]
            for line in option.payments:
                number += 1
                out += _detail_line(number, line)
            out.append(f"房款合计：{yuan(option.payments_total)} 元")
            out.append(f"净额：{yuan(option.net)} 元（{_net_words(option)}）")
        texts.append("\n".join(out))
    texts.append(f"提醒：{result.reminder}")
    return texts


def _detail_line(number: int, line: Line) -> list[str]:
    out = [f"{number}. {line.label}：{yuan(line.amount)} 元", f"   算法：{line.formula}", f"   依据：{line.source}"]
    if line.note:
        out.append(f"   说明：{line.note}")
    return out


def _net_words(option: Option) -> str:
    if option.net > 0:
        return "扣除房款后您领取"
    if option.net < 0:
        return f"您需补交 {yuan(-option.net)} 元"
    return "正好相抵"


def _row(label: str, left: Line | None, right: Line | None) -> str:
    return f"{_pad(label)}{_cell(left)}{SEP}{_cell(right)}"


def _cell(line: Line | None) -> str:
    return "—" if line is None else _short(line.amount)


def _short(amount: Decimal) -> str:
    """446420.00 → "446,420"; 44642.50 → "44,642.50"."""
    text = yuan(amount)
    return text.removesuffix(".00")


def _pad(label: str) -> str:
    return label + "　" * max(LABEL_WIDTH - len(label), 0) + "　"


def _label_of(result: Estimate, key: str) -> str:
    line = result.money.line(key) or result.exchange.line(key)
    return line.label if line else key


def _abbrev(source: str, plan: str) -> str:
    return source.replace(REGULATION, "条例").replace(APPRAISAL_RULES, "评估办法").replace(plan, "方案")
