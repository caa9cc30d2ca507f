"""查进度: the resident's own cases (status, deadline, latest public reply); another case only by its number AND its
phone number — counted against daily limits kept in the database (bot/cases/lookups.py), the same answer for a
wrong number and a wrong phone, and never a staff-conduct complaint (only in the chat it was filed from). A resolved
case shows the 满意 / 基本满意 / 不满意 buttons (handlers/rating.py takes them)."""

from __future__ import annotations

from dataclasses import replace

from bot.cases.numbers import parse_case_number
from bot.cases.phones import normalise_phone
from bot.cases.resident_texts import rating_buttons
from bot.cases.vocabulary import CATEGORY_LABELS, STATUS_LABELS, TYPE_LABELS, CaseType, Category, Status
from bot.cases.workdays import format_due, format_moment
from bot.core.button_ids import button_id, parse_button
from bot.core.messages import Button, Inbound, Outbound
from bot.core.port import CaseSummary, Conversation, Turn, TurnContext
from handlers.case_fields import PHONE_HELP
from handlers.flows import BACK_WORDS, CANCEL_WORDS
from handlers.menu import MENU, MENU_BUTTON

NAME = "status"
LISTED = 5
MAX_FAILURES = 5
ASK_NUMBER = Button(button_id(NAME, "ask", "number"), "输入编号查询")
CANCEL = Button(button_id(NAME, "nav", "cancel"), "取消")
HUMAN = Button("intent:human", "转人工")
NOT_FOUND = (
    "没有查到。请核对编号和登记时留的电话（匿名登记的、反映工作人员作风的，只能在登记时用的对话里查看）。"
    "可以再试一次，或点“转人工”。"
)
WINDOW_REASON = "微信规定：您 48 小时内没有给公众号发过消息，公众号就不能主动发消息"
TOO_MANY = "查询次数太多了，请明天再试，或点“转人工”。"


def _line(case: CaseSummary) -> str:
    kind = TYPE_LABELS[CaseType(case.type)]
    category = CATEGORY_LABELS[Category(case.category)]
    due = f"\n期限：{format_due(case.next_due)}前" if case.next_due else ""
    missed = f"\n有 {case.undelivered} 条进展通知没能推送给您，点“查看”看详情" if case.undelivered else ""
    return f"编号 {case.number}｜{kind}｜{category}\n状态：{STATUS_LABELS[Status(case.status)]}{due}{missed}"


def _detail(case: CaseSummary) -> Outbound:
    parts = [_line(case), f"登记时间：{format_moment(case.created_at)}"]
    if case.latest_reply:
        when = format_moment(case.latest_reply_at) if case.latest_reply_at else ""
        parts.append(f"最新答复（{when}）：\n{case.latest_reply}")
    else:
        parts.append("还没有工作人员的答复，请耐心等待；到期没有答复可以点“转人工”催办。")
    if case.undelivered:
        told = [reason for reason in case.undelivered_reasons if reason]
        if not told or "" in case.undelivered_reasons:  # the rest: the customer-service window
            told.append(WINDOW_REASON)
        parts.append(
            f"另有 {case.undelivered} 条进展通知没能主动推送给您（{'；'.join(told)}），办理情况以这里显示的为准。"
        )
    buttons: tuple[Button, ...] = (MENU_BUTTON,)
    if case.can_rate:
        parts.append("请您对办理情况作个评价：")
        buttons = (*rating_buttons(case.number), MENU_BUTTON)
    return Outbound("\n".join(parts), buttons)


class CaseStatus:
    """The 查进度 flow: a list of one's own cases, or a lookup by number (then phone)."""

    name = NAME

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """List the resident's own cases, or ask for a case number if they have none here."""
        mine = await ctx.cases.for_resident(LISTED)
        if not mine:
            text = "您在这里还没有登记过诉求或申请。\n如果在别处登记过，请输入编号查询（格式如 AJ-2026-000123）。"
            return Turn(replace(state.idle(), flow=NAME, step="number", data={}), (Outbound(text, (CANCEL,)),))
        buttons = tuple(Button(button_id(NAME, "show", c.number), f"查看 {c.number}") for c in mine)
        text = f"您登记的事项（最近 {len(mine)} 件）：\n\n" + "\n\n".join(_line(c) for c in mine)
        return Turn(state.idle(), (Outbound(text, (*buttons, ASK_NUMBER, MENU_BUTTON)),))

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """Take a typed case number, then the phone number it was filed with."""
        text = inbound.text.strip()
        if text.lower() in CANCEL_WORDS | BACK_WORDS:
            return Turn(state.idle(), (Outbound("已退出查询。", MENU),))
        if state.step == "phone":
            return await self._phone(state, inbound, text, ctx)
        number = parse_case_number(text)
        if number is None:
            return Turn(state, (Outbound("编号的格式是 AJ-2026-000123，请再输入一次；或点“取消”。", (CANCEL,)),))
        own = await ctx.cases.by_number(number)
        if own is not None:
            return Turn(state.idle(), (_detail(own),))
        # not the resident's own case (or no such case — we do not say which): the phone it was filed with
        data = {**state.data, "number": number}
        return Turn(
            replace(state, step="phone", data=data),
            (Outbound(f"为保护隐私，请输入登记这件事时留的电话号码。\n{PHONE_HELP}", (CANCEL,)),),
        )

    async def _phone(self, state: Conversation, inbound: Inbound, text: str, ctx: TurnContext) -> Turn:
        if normalise_phone(text) is None:
            return Turn(state, (Outbound(f"电话号码不对。{PHONE_HELP}", (CANCEL,)),))
        client = inbound.payload.get("client")
        looked = await ctx.cases.by_phone(
            state.data.get("number", ""), text, ctx.now, client if isinstance(client, str) else None
        )
        if looked.case is not None:
            return Turn(state.idle(), (_detail(looked.case),))
        failures = int(state.data.get("failures", 0)) + 1
        if looked.limited or failures >= MAX_FAILURES:
            return Turn(state.idle(), (Outbound(TOO_MANY, (HUMAN, MENU_BUTTON)),))
        data = {"failures": failures}
        return Turn(replace(state, step="number", data=data), (Outbound(NOT_FOUND, (CANCEL, HUMAN)),))

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """查看 one of one's own cases, 输入编号查询, or 取消 — also from an earlier list."""
        _, what, arg = parse_button(button_id, 3)
        if what == "show":
            own = await ctx.cases.by_number(arg)
            if own is not None:
                return Turn(state, (_detail(own),))
            return Turn(state, (Outbound("没有找到这件事，按钮可能已经过期了。", MENU),))
        if what == "ask":
            data = {"failures": state.data.get("failures", 0)} if state.flow == NAME else {}
            return Turn(
                replace(state.idle(), flow=NAME, step="number", data=data),
                (Outbound("请输入编号（格式如 AJ-2026-000123）。", (CANCEL,)),),
            )
        if state.flow == NAME:
            return Turn(state.idle(), (Outbound("已退出查询。", MENU),))
        return Turn(state, (Outbound("这个按钮已经过期了，请重新选择。", MENU),))


case_status = CaseStatus()
