"""Answers from the resident's own household file (issue 14, point 3): "俺家能补多少", "过渡费发到几月了", "选房号" ….

Which part of the file a question asks for is the knowledge base's call (knowledge/household_questions.yaml,
`ctx.kb.own_question`). A resident bound to a household gets that household's figures — read through
`ctx.households`, which only ever returns the resident's own file — each with where it comes from (the ledger and
the day it was last updated, the appraisal report's number, the plan's clause) and the reminder that the signed
agreement and the appraisal report decide. Anyone else gets the general answer the knowledge base gives and an offer
to bind (the flow "bind"). Pure: the plan comes from the knowledge base in the context."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from bot.cases.workdays import local_day
from bot.compensation.bubbles import sources_text, summary_text
from bot.compensation.fmt import num, yuan
from bot.compensation.model import Use
from bot.core.household_file import HouseholdFile
from bot.core.messages import Button, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from bot.households.estimate import estimate_file
from bot.households.payments import compensation_status, month_of, transition_status
from bot.households.vocabulary import OPTION_LABELS, STATUS_LABELS, AgreementStatus, Option
from handlers.binding import BIND_BUTTON
from handlers.menu import MENU_BUTTON

COMPLAINT_BUTTON = Button("intent:complaint", "登记诉求")
CALCULATOR_BUTTON = Button("intent:calculator", "估算补偿")
USES = frozenset(u.value for u in Use)
OPTIONS = frozenset(o.value for o in Option)
LABEL = "intent:household"  # what the router understood a personal answer as (Turn.label)
# the general topic each personal answer stands beside (a button, and the context of a follow-up)
ASPECT_TOPICS = {
    "value": "comp.appraisal_dispute",
    "area": "comp.unregistered",
    "estimate": "comp.monetary_vs_swap",
    "agreement": "proc.agreement",
    "selection": "proc.housing_selection",
    "handover": "proc.timeline",
    "transition": "comp.transition_fee",
    "payment": "comp.payment_time",
    "file": "comp.scope",
}
BIND_OFFER = (
    "想直接看您家自己的数字（面积、评估价值、两种补偿方式的估算、签约、选房、过渡费和补偿款发放），"
    "可以先绑定您家的分户台账：用片区工作组发给您家的绑定码，或者户号、户主姓名和身份证号后 6 位。"
    "绑定前会先说明查看哪些信息、谁能看到。"
)


def answer(state: Conversation, file: HouseholdFile, aspect: str, question: str, ctx: TurnContext) -> Turn:
    """The resident's own figures for `aspect`, with their sources and the reminder."""
    build = _ANSWERS.get(aspect, _file)
    replies, extra = build(file, ctx)
    topic_id = ASPECT_TOPICS.get(aspect)
    topic = ctx.kb.topic(topic_id) if topic_id else None
    buttons = [*extra]
    if topic is not None:
        buttons.append(Button(f"topic:{topic.id}", topic.title))
    buttons.append(MENU_BUTTON)
    *first, last = replies
    closing = f"{last}\n\n{_source(file, ctx)}\n{_reminder(file, ctx)}"
    outbounds = (*(Outbound(text) for text in first), Outbound(closing, tuple(buttons)))
    new_state = replace(state.idle(), last_topic=topic.id if topic else None, last_question=question, last_flow=None)
    return Turn(new_state, outbounds, label=LABEL, score=1.0)


def with_bind_offer(turn: Turn) -> Turn:
    """The general answer, then the offer to bind (for a resident who is not bound)."""
    offer = Outbound(BIND_OFFER, (BIND_BUTTON,))
    then = turn.then
    return replace(
        turn,
        replies=(*turn.replies, offer),
        then=None if then is None else (lambda outcomes: with_bind_offer(then(outcomes))),
    )


# --- the answers: (bubbles, extra buttons) --------------------------------------------------------------------

Built = tuple[list[str], list[Button]]


def _area(file: HouseholdFile, ctx: TurnContext) -> Built:
    lines = [_head(file, ctx), f"合法建筑面积：{num(file.legal_area)} m²"]
    if file.recognised_area:
        lines.append(f"认定面积（未登记建筑经调查认定为合法的）：{num(file.recognised_area)} m²")
        lines.append("未登记建筑须经调查认定为合法建筑才予补偿（条例第二十四条）。")
    else:
        lines.append("认定面积：—（台账里没有经认定的未登记建筑面积）")
    lines.append(f"用途：{_use_label(file.use)}")
    return ["\n".join(lines)], []


def _value(file: HouseholdFile, ctx: TurnContext) -> Built:
    lines = [_head(file, ctx)]
    if file.assessed_value is None:
        lines.append("台账里还没有您家的评估结果；评估结果录入台账以后，就能在这里查到。")
    else:
        lines.append(f"房屋评估价值：{yuan(file.assessed_value)} 元（评估报告编号 {file.appraisal_report_no or '—'}）")
        lines.append(f"评估面积：合法建筑面积 {num(file.legal_area)} m²" + _recognised(file))
    if file.decoration_value is not None:
        lines.append(f"装饰装修及附属物评估：{yuan(file.decoration_value)} 元")
    lines.append("对评估结果有异议的，看下面“对评估结果不满意怎么办”。")
    return ["\n".join(lines)], []


def _estimate(file: HouseholdFile, ctx: TurnContext) -> Built:
    today = local_day(ctx.now)
    result = estimate_file(file, ctx.kb.params, today)
    head = _head(file, ctx)
    if result.estimate is None:
        text = f"{head}\n{result.missing}\n想先按片区参考价估一估，可以点“估算补偿”。"
        return [text], [CALCULATOR_BUTTON]
    found = result.estimate
    chosen = _option_label(file)
    intro = "按您家自己的评估结果（不是片区参考价）估算的两种补偿方式："
    summary = f"{head}\n{intro}\n\n{summary_text(found)}"
    if chosen:
        summary += f"\n\n台账记录您家选择的补偿方式：{chosen}。"
    notes = [note for note in found.notes if note]
    line_notes = (line.note for option in found.options for line in (*option.lines, *option.payments))
    notes = list(dict.fromkeys((*notes, *(n for n in line_notes if n))))
    basis = [
        f"评估价值 {yuan(file.assessed_value or Decimal(0))} 元，来自评估报告 {file.appraisal_report_no or '—'}。",
        sources_text(found),
    ]
    if notes:  # the engine's notes speak of what the resident typed; here the ledger is what was "filled in"
        basis += ["估算说明", *(f"· {note.replace('未填写', '台账里没有')}" for note in notes)]
    sample = ctx.kb.params.get("sample_notice")
    basis.append(f"这是按{found.plan_name}的标准做的估算，仅供参考。{sample or ''}")
    basis.append("想按别的安置房面积再算一次，可以点“估算补偿”。")
    return [summary, "\n".join(basis)], [CALCULATOR_BUTTON]


def _agreement(file: HouseholdFile, ctx: TurnContext) -> Built:
    lines = [_head(file, ctx)]
    programme = ctx.kb.params.get("programme") or {}
    if file.agreement_status == AgreementStatus.SIGNED:
        when = f"，签约日期 {file.agreement_date.isoformat()}" if file.agreement_date else ""
        lines.append(f"协议状态：已签约{when}")
        if (chosen := _option_label(file)) is not None:
            lines.append(f"补偿方式：{chosen}")
    else:
        lines.append("协议状态：未签约（台账里还没有您家的签约记录）")
        if programme.get("signing_start") and programme.get("signing_end"):
            lines.append(
                f"本项目签约期 {programme['signing_start']} 至 {programme['signing_end']}（来自县征收补偿方案）。"
            )
    return ["\n".join(lines)], []


def _selection(file: HouseholdFile, ctx: TurnContext) -> Built:
    lines = [_head(file, ctx)]
    if file.selection_no:
        when = f"，选房日期 {file.selection_date.isoformat()}" if file.selection_date else ""
        lines.append(f"选房号：{file.selection_no}{when}")
    elif file.chosen_option == Option.CASH:
        lines.append("台账记录您家选择的是货币补偿：选房是产权调换的一部分，货币补偿不参加安置房选房。")
    else:
        lines.append("台账里还没有您家的选房号。")
        selection = (ctx.kb.params.get("policy") or {}).get("selection") or {}
        if selection.get("order"):
            lines.append(f"按{_plan_clause(ctx, 'selection')}：{selection['order']}。")
    return ["\n".join(lines)], []


def _handover(file: HouseholdFile, ctx: TurnContext) -> Built:
    lines = [_head(file, ctx)]
    if file.handover_date:
        lines.append(f"交房日期：{file.handover_date.isoformat()}（台账记录的腾空交房日期）")
    else:
        lines.append("台账里还没有您家腾空交房的记录。")
        days = (ctx.kb.params.get("programme") or {}).get("move_out_days")
        if days:
            lines.append(f"按{_plan_clause(ctx, 'payment')}：补偿款到账后 {days} 日内搬迁腾空（先补偿、后搬迁）。")
    return ["\n".join(lines)], []


def _transition(file: HouseholdFile, ctx: TurnContext) -> Built:
    today = local_day(ctx.now)
    status = transition_status(file, ctx.kb.params, today)
    lines = [_head(file, ctx)]
    rate = (ctx.kb.params["compensation"]["transition_fee"]) or {}
    counted = f"{num(status.counted_area)} m²"
    if status.counted_area != file.legal_area:
        counted += f"（合法建筑面积 {num(file.legal_area)} m² 不足 {num(status.counted_area)} m²，按 {counted} 计）"
    monthly = f"{counted} × {rate.get('per_m2_month')} 元/m²/月 = {yuan(status.monthly)} 元/月"
    paid = _paid_line(status.paid, status.paid_total)
    extra: list[Button] = []
    if status.kind == "monthly":
        assert file.handover_date is not None
        lines += [
            f"您家选择产权调换，从交房当月（{month_of(file.handover_date)}）起按月发放临时安置费：{monthly}。",
            f"到本月（{month_of(today)}）共 {len(status.due_months)} 个月，按方案应发 {yuan(status.due_total)} 元。",
            paid,
        ]
        if status.late_from:
            lines.append(
                f"{status.late_from} 起已超过安置房交付期限，按方案这些月份按 {status.multiplier} 倍发放"
                f"（{_plan_clause(ctx, 'late_handover')}）。"
            )
        unpaid = status.unpaid_months
        if unpaid:
            lines.append(f"台账没有发放记录的月份：{'、'.join(unpaid)}。")
            lines.append("每月什么时候发，以您签的协议为准；过了约定时间还没到账，可以点“登记诉求”。")
            extra.append(COMPLAINT_BUTTON)
    elif status.kind == "lump":
        months = ctx.kb.params["compensation"]["transition_fee"]["money_lump_months"]
        lines += [
            f"您家选择货币补偿，临时安置费一次性发放 {months} 个月：{monthly}，共 {yuan(status.due_total)} 元。",
            paid,
        ]
    elif status.kind == "not_started":
        lines += [
            f"您家选择产权调换，临时安置费从搬迁之日起按月发放（{monthly}），发到安置房交付；"
            "台账里还没有您家腾空交房的记录。",
            paid,
        ]
    else:
        lines += [
            "台账里还没有您家的补偿方式。临时安置费在签约、搬迁以后发放：选产权调换的按月发到安置房交付，"
            f"选货币补偿的一次性发放 {ctx.kb.params['compensation']['transition_fee']['money_lump_months']} 个月"
            f"（{monthly}）。",
            paid,
        ]
    # the regulation's Art.22 is the 临时安置费 of property exchange; the money option's lump is the county's rule
    article = "；条例第二十二条" if status.kind in ("monthly", "not_started") else ""
    lines.append(f"依据：{_plan_clause(ctx, 'transition_fee')}{article}。")
    return ["\n".join(lines)], extra


def _payment(file: HouseholdFile, ctx: TurnContext) -> Built:
    today = local_day(ctx.now)
    status = compensation_status(file, ctx.kb.params, today)
    lines = [_head(file, ctx)]
    if status.paid:
        lines.append(f"台账记录已付补偿款：{yuan(status.paid)} 元。")
    else:
        lines.append("台账里还没有您家补偿款的支付记录。")
    clause = _plan_clause(ctx, "payment")
    extra: list[Button] = []
    if status.signed and status.agreement_date:
        lines.append(
            f"您家 {status.agreement_date.isoformat()} 签约。按{clause}，协议生效后 {status.payment_days} 日内支付补偿款"
        )
        if status.due_by:
            lines[-1] += f"（协议签订当日生效的，应在 {status.due_by.isoformat()} 前到账）。"
        if status.overdue:
            lines.append("已经过了这个期限，台账还没有付款记录：可以点“登记诉求”，我们会催办并答复您。")
            extra.append(COMPLAINT_BUTTON)
    else:
        lines.append(f"您家还没有签约。按{clause}，补偿款在协议生效后 {status.payment_days} 日内支付。")
    return ["\n".join(lines)], extra


def _file(file: HouseholdFile, ctx: TurnContext) -> Built:
    today = local_day(ctx.now)
    transition = transition_status(file, ctx.kb.params, today)
    signed = file.agreement_status == AgreementStatus.SIGNED
    status = STATUS_LABELS[AgreementStatus.SIGNED if signed else AgreementStatus.UNSIGNED]
    option = _option_label(file) or "—"
    value = "—"
    if file.assessed_value is not None:
        value = f"{yuan(file.assessed_value)} 元（评估报告 {file.appraisal_report_no or '—'}）"
    lines = [
        _head(file, ctx),
        f"合法建筑面积：{num(file.legal_area)} m²" + _recognised(file),
        f"用途：{_use_label(file.use)}",
        f"房屋评估价值：{value}",
        f"协议：{status}" + (f"（{file.agreement_date.isoformat()}）" if file.agreement_date else ""),
        f"补偿方式：{option}",
        f"选房号：{file.selection_no or '—'}"
        + (f"（{file.selection_date.isoformat()}）" if file.selection_date else ""),
        f"交房日期：{file.handover_date.isoformat() if file.handover_date else '—'}",
        f"已付补偿款：{yuan(file.compensation_paid) + ' 元' if file.compensation_paid else '—'}",
        _paid_line(transition.paid, transition.paid_total),
        "想看两种方式的补偿估算，可以问“我家能补多少”。",
    ]
    return ["\n".join(lines)], []


_ANSWERS = {
    "area": _area,
    "value": _value,
    "estimate": _estimate,
    "agreement": _agreement,
    "selection": _selection,
    "handover": _handover,
    "transition": _transition,
    "payment": _payment,
    "file": _file,
}


# --- pieces ----------------------------------------------------------------------------------------------------


def _head(file: HouseholdFile, ctx: TurnContext) -> str:
    district = _district(file, ctx)
    name = district.get("name", file.district) if district else file.district
    return f"【您家的台账】户号 {file.household_no} · {name} · {file.address}"


def _source(file: HouseholdFile, ctx: TurnContext) -> str:
    updated = local_day(file.updated_at).isoformat()
    report = f"；评估报告 {file.appraisal_report_no}" if file.appraisal_report_no else ""
    return f"来源：征收部门分户台账（{updated} 更新，第 {file.import_id} 批导入）{report}。"


def _reminder(file: HouseholdFile, ctx: TurnContext) -> str:
    district = _district(file, ctx)
    contact = "片区征收工作组"
    if district and district.get("office"):
        contact = f"{district['office']}（电话 {district.get('phone', '')}）"
    return (
        f"提醒：以上是台账的记录，您家的实际补偿以您签订的补偿协议和评估机构出具的评估报告为准；"
        f"台账和协议、报告不一致的，请联系{contact}核对。"
    )


def _district(file: HouseholdFile, ctx: TurnContext) -> dict[str, Any] | None:
    return next((d for d in ctx.kb.params.get("districts") or () if d.get("id") == file.district), None)


def _plan_clause(ctx: TurnContext, key: str) -> str:
    plan = ctx.kb.params.get("plan") or {}
    return f"{plan.get('name', '县征收补偿方案')}{(plan.get('clauses') or {}).get(key, '')}"


def _recognised(file: HouseholdFile) -> str:
    return f"，认定面积 {num(file.recognised_area)} m²" if file.recognised_area else ""


def _use_label(use: str) -> str:
    return Use(use).label if use in USES else use


def _option_label(file: HouseholdFile) -> str | None:
    return OPTION_LABELS[Option(file.chosen_option)] if file.chosen_option in OPTIONS else None


def _paid_line(paid: tuple[tuple[str, Decimal], ...], total: Decimal) -> str:
    if not paid:
        return "台账里还没有您家临时安置费的发放记录。"
    months = "、".join(month for month, _ in paid)
    return f"台账记录已发临时安置费 {len(paid)} 笔，共 {yuan(total)} 元（{months}），最近一笔是 {paid[-1][0]}。"
