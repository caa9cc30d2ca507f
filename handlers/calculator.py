"""估算补偿 (intent:calculator): the compensation questions as a form (handlers/form.py), one per step, then money
vs exchange side by side (bot/compensation/bubbles.py).

Each answer is read by its field of bot/compensation/fields.py — the parser /calc and the CLI use — and stored in
`Conversation.data` as its canonical text ("" = skipped); "appraisal" (yes / no) only decides whether the appraised
price is asked. After the estimate the flow stays on the step "result", so that 查看计算明细 and 返回 (change the
last answer) still work; anything else is handed back: the flow closes without a reply and the router answers the
message as if no flow were active. Pure: the county plan comes from the knowledge base in the context.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from urllib.parse import urlencode

from bot.cases.workdays import local_day
from bot.compensation import CompensationParams, InputError, ParamsError, Use, estimate
from bot.compensation.bubbles import (
    advice_text,
    decoration_question,
    detail_texts,
    profit_question,
    sign_date_question,
    sources_text,
    summary_text,
)
from bot.compensation.fields import FIELD, as_text, named_in
from bot.compensation.fields import Choice as FieldChoice
from bot.compensation.fmt import num
from bot.compensation.intake import household_from_fields
from bot.compensation.params import plan_on
from bot.core.messages import Button, Inbound, InboundKind, Link, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers import menu
from handlers.flows import BACK_WORDS, CANCEL_WORDS
from handlers.form import Answer, Choice, Data, Field, Form, fixed, invalid, ok

NAME = "calculator"
PREFIX = "calc"
RESULT = "result"
CALC_PAGE = "/calc"
CALC_LINK_LABEL = "打开网页版估算页面（已填好您的回答）"
DETAIL_WORDS = frozenset({"明细", "计算明细", "查看明细", "查看计算明细", "怎么算的"})
AGAIN_WORDS = frozenset({"重新估算", "再算一次", "重新算", "重算"})
YES_WORDS = frozenset({"有", "有的", "有了", "是", "是的", "拿到了", "有评估单价", "有评估价", "yes", "y"})
NO_WORDS = frozenset({"没有", "没", "无", "还没有", "没拿到", "还没", "否", "不是", "no", "n"})
STALE = "这个按钮已经过期了。"
TYPED_HINT = "\n（想办别的事，请先点“取消”。）"


def plan(ctx: TurnContext) -> CompensationParams | None:
    """The plan as it stands today in Beijing time (tiers already over not offered); None if it cannot be used."""
    try:
        return plan_on(ctx.kb.params, local_day(ctx.now))
    except ParamsError:
        return None


def _p(ctx: TurnContext) -> CompensationParams:
    params = plan(ctx)
    assert params is not None  # the flow says it is unavailable before any question is asked
    return params


# --- the questions ---------------------------------------------------------------------------------------------


def _ask_appraisal(data: Data, ctx: TurnContext) -> str:
    district = _p(ctx).find_district(data.get("district", ""))
    reference = f"按{district.name}参考价 {num(district.reference_price)} 元/m² " if district else "按参考价"
    return f"您拿到评估报告了吗？报告上有房屋的评估单价吗？\n没有的话，{reference}估算。"


def _ask_exchange_area(data: Data, ctx: TurnContext) -> str:
    area = num(Decimal(data["area"])) if data.get("area") else "原"
    return (
        "如果选产权调换，您想要多大面积的安置房？请打字，例如 100 或 一百平。\n"
        f"还没定的话点“跳过”，按与原面积相同（{area} m²）估算。"
    )


def _take(name: str) -> Callable[[str, Data, TurnContext], Answer]:
    """An answer read by its field of the compensation table, then checked against the rules across answers."""

    def take(text: str, data: Data, ctx: TurnContext) -> Answer:
        params, answer = _p(ctx), FIELD[name]
        try:
            value = answer.read(text, params)
        except InputError as exc:
            passing = named_in(text, params, skip=set(data) - {name})
            if name in passing:  # 东关片区，一百二十平: the answer, and another one beside it
                return Answer({name: passing.pop(name)}, given=passing, notice=_noted(passing, params))
            if passing:  # 一百二十平的砖房 where the district is asked: kept, and the question asked again
                return Answer(given=passing, stay=True, notice=_noted(passing, params))
            return invalid(str(exc) + ("" if answer.choices else TYPED_HINT))
        stored = (answer.choice_of(text, params) if answer.choice_of else None) or as_text(value)
        broken = _broken_rule({**data, name: stored}, name, ctx)
        return invalid(broken) if broken else ok(**{name: stored})

    return take


def _answer(name: str, prompt: Callable[[Data, TurnContext], str], applies: Callable[[Data], bool] | None = None,
            optional: bool = False) -> Field:  # fmt: skip
    """A question of the compensation table: its choices as buttons, typed words read by the same parser."""
    table = FIELD[name].choices
    return Field(name, prompt, choices=None if table is None else _buttons(table), on_text=_take(name),
                 on_choice=None if table is None else _take(name), applies=applies or (lambda data: True),
                 optional=optional)  # fmt: skip


def _buttons(table: Callable[[CompensationParams], tuple[FieldChoice, ...]]) -> Callable[..., Awaitable[list[Choice]]]:
    async def choices(data: Data, ctx: TurnContext) -> list[Choice]:
        return [(c.id, c.label) for c in table(_p(ctx))]

    return choices


def _appraisal(text: str, data: Data, ctx: TurnContext) -> Answer:
    key = text.strip().lower()
    if key in YES_WORDS:
        return ok(appraisal="yes")
    if key in NO_WORDS or key.startswith("没有"):
        return ok(appraisal="no")
    return invalid("请点按钮回答：有评估单价，或者还没有。")


def _says(prompt: str) -> Callable[[Data, TurnContext], str]:
    return lambda data, ctx: prompt


def questions(ctx: TurnContext) -> tuple[Field, ...]:
    """The questions for this plan: the monthly profit only where the plan pays business loss by it."""
    by_profit = _p(ctx).business_loss.method == "monthly_profit"
    return tuple(f for f in QUESTIONS if f.name != "monthly_profit" or by_profit)


QUESTIONS = (
    _answer("district", _says("您的房子在哪个片区？请点下面的按钮。")),
    _answer("area", _says("房产证上的建筑面积是多少平方米？\n请直接打字，例如：85、85.5平方米 或 八十五平。")),
    _answer("use", _says("房子是做什么用的？")),
    _answer("business_area",
            lambda data, ctx: f"其中用来经营（商铺门面）的面积是多少平方米？"
                              f"（建筑面积共 {num(Decimal(data['area']))} m²）",
            applies=lambda data: data.get("use") == Use.MIXED.value),
    _answer("monthly_profit", lambda data, ctx: profit_question(_p(ctx)),
            applies=lambda data: data.get("use") in (Use.BUSINESS, Use.MIXED)),
    _answer("decoration", lambda data, ctx: decoration_question(_p(ctx))),
    Field("appraisal", _ask_appraisal, choices=fixed([("yes", "有评估单价"), ("no", "还没有（按参考价）")]),
          on_choice=_appraisal, on_text=_appraisal),
    _answer("assessed_price", _says("评估报告上的房屋评估单价是多少元/平方米？例如：5200 或 5200元/平方米。"),
            applies=lambda data: data.get("appraisal") == "yes"),
    _answer("exchange_area", _ask_exchange_area, optional=True),
    _answer("sign_date", lambda data, ctx: sign_date_question(_p(ctx)), optional=True),
)  # fmt: skip


def _noted(found: Data, params: CompensationParams) -> str | None:
    shown = [f"建筑面积 {found['area']} 平方米" if k == "area" else next(d.name for d in params.districts
             if d.id == found[k]) for k in ("district", "area") if k in found]  # fmt: skip
    return "已记下您说的：" + "，".join(shown) + "。" if shown else None


def _prefill(question: str, ctx: TurnContext) -> Answer:
    """What the resident already said in the question that started the flow (俺家东关85平能补多少): not asked."""
    found = named_in(question, _p(ctx))
    return Answer(given=found, notice=_noted(found, _p(ctx)))


def household_answers(data: Data, ctx: TurnContext) -> dict[str, str]:
    """The answers that describe the household, in the order asked: those of questions that apply now."""
    return {f.name: str(data[f.name]) for f in questions(ctx) if f.name in FIELD and f.name in data and f.applies(data)}


def _broken_rule(data: Data, name: str, ctx: TurnContext) -> str | None:
    """The engine's message if the answers so far break a rule about `name` (a business area over the area)."""
    params = _p(ctx)
    try:
        estimate(household_from_fields(household_answers(data, ctx), params), params)
    except InputError as exc:
        return str(exc) if exc.field == name else None  # about a later answer: asked in its turn
    return None


# --- the estimate ----------------------------------------------------------------------------------------------


def _finish(state: Conversation, data: Data, ctx: TurnContext) -> Turn:
    """The estimate from the answers; the flow waits on "result" for its buttons."""
    params = _p(ctx)
    try:
        result = estimate(household_from_fields(household_answers(data, ctx), params), params)
    except InputError as exc:  # every answer was checked on its step: only a changed parameter file gets here
        text = f"抱歉，没能算出结果：{exc}\n请重新估算。"
        return Turn(state.idle(), (Outbound(text, (AGAIN_BUTTON, menu.MENU_BUTTON)),))
    buttons = (
        Button(f"{PREFIX}:detail:{answers_digest(data)}", "查看计算明细"),
        AGAIN_BUTTON,
        Button(f"{PREFIX}:nav:back", "返回"),
        menu.MENU_BUTTON,
    )
    link = Link(CALC_LINK_LABEL, calc_link(data, ctx))
    replies = (
        Outbound(summary_text(result)),
        Outbound(sources_text(result)),
        Outbound(advice_text(result), buttons, (link,)),
    )
    return Turn(replace(state, data=dict(data), step=RESULT), replies)


def _intro(ctx: TurnContext) -> str:
    return (
        f"好的，我按{_p(ctx).plan_name}帮您估算征收补偿，把货币补偿和产权调换两种方式逐项算给您看。\n"
        "每一步都可以点“返回”改上一步，或点“取消”不算了。"
    )


FORM = Form(
    NAME,
    "补偿估算",
    questions,
    lambda data, ctx: "",
    _finish,
    intro=_intro,
    confirm=False,
    prefill=_prefill,
    prefix=PREFIX,
    numbered=True,
    text_only=True,
    back_notice="好的，回到上一步。",
)
AGAIN_BUTTON = Button(f"{PREFIX}:again", "重新估算")


class CalculatorFlow:
    """估算补偿 (listed in handlers.router.FLOWS): the form, and the estimate's own step "result"."""

    name = NAME

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Say what the estimate is and ask the first question not already answered."""
        return await FORM.start(state, ctx) if plan(ctx) else unavailable(state)

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """An answer to the current question; after the estimate: 明细, 重新估算, 返回, 取消, or a new message."""
        if plan(ctx) is None:
            return unavailable(state)
        if state.step != RESULT:
            return await FORM.step(state, inbound, ctx)
        word = inbound.text.strip().lower() if inbound.kind in (InboundKind.TEXT, InboundKind.VOICE) else ""
        if word in DETAIL_WORDS:
            return details(state, ctx)
        if word in AGAIN_WORDS:
            return await self.start(state.idle(), ctx)
        if word in BACK_WORDS:
            return await FORM.back_from_end(state, ctx)
        if word in CANCEL_WORDS:
            return Turn(state.idle(), (Outbound("好的，补偿估算已结束。还有问题可以直接问我。", menu.MENU),))
        return Turn(state.idle(), ())  # not for the calculator: handed back to the router

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """A tapped answer; after the estimate its buttons (an earlier estimate's are stale) or a new message."""
        if plan(ctx) is None:
            return unavailable(state)
        if button_id == AGAIN_BUTTON.id:
            return await self.start(state.idle(), ctx)
        if state.step != RESULT:
            return await FORM.button(state, button_id, ctx)
        if button_id == f"{PREFIX}:nav:back":
            return await FORM.back_from_end(state, ctx)
        if button_id == f"{PREFIX}:detail:{answers_digest(state.data)}":
            return details(state, ctx)
        if button_id.startswith(f"{PREFIX}:"):
            text = STALE + "这是之前一次估算的按钮，请看最新的估算结果，或点“重新估算”。"
            return Turn(state, (Outbound(text, (AGAIN_BUTTON, menu.MENU_BUTTON)),))
        return Turn(state.idle(), ())  # another flow's or the menu's button: handed back to the router


FLOW = CalculatorFlow()


def details(state: Conversation, ctx: TurnContext) -> Turn:
    """Every line of both options with its formula and source."""
    params = _p(ctx)
    try:
        texts = detail_texts(estimate(household_from_fields(household_answers(state.data, ctx), params), params))
    except InputError:  # the plan changed since the estimate
        return Turn(state.idle(), (Outbound("抱歉，方案已更新，请点“重新估算”。", (AGAIN_BUTTON, menu.MENU_BUTTON)),))
    replies = [Outbound(t) for t in texts[:-1]]
    replies.append(Outbound(texts[-1], (AGAIN_BUTTON, menu.MENU_BUTTON)))
    return Turn(state, tuple(replies))


def unavailable(state: Conversation) -> Turn:
    """The parameter file cannot be used: say so and point to a person."""
    text = "抱歉，补偿估算暂时用不了。您可以问我补偿政策，或点“转人工”找工作人员当面核算。"
    return Turn(state.idle(), (Outbound(text, (Button("intent:human", "转人工"), menu.MENU_BUTTON)),))


def calc_link(data: Data, ctx: TurnContext) -> str:
    """/calc with the resident's answers, so that the page opens on the same estimate (skipped answers left out)."""
    return f"{CALC_PAGE}?{urlencode({k: v for k, v in household_answers(data, ctx).items() if v})}"


def answers_digest(data: Data) -> str:
    """A short fingerprint of the answers: 查看计算明细 of an earlier estimate is recognised as stale."""
    blob = json.dumps({k: data[k] for k in sorted(data)}, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:10]
