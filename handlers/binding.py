"""绑定我家: link this chat to the resident's household in the ledger (issue 14, point 2), on every channel.

First the purpose, what is shown and who can see it, and 同意 / 不同意 (个人信息保护法: consent, minimum data, the
right to have the binding deleted); then the one-time code printed by the work group (the web chat's
/chat?bind=CODE brings it along, consent is still asked), or 户号 + 户主 name + the last 6 digits of the ID number.
A failure never says which of them was wrong; too many lock binding for a while (bot/households/attempts.py). A
bound resident sees the household's members (labels only), removes one, or unbinds — which deletes the binding.

The flow writes nothing itself: binding, listing and removing are effects (bot/core/binding_port.py) whose outcome
the reply is built from (`Turn.then`). What the resident types here (the code, the name, the digits) is kept in
the message log only as a placeholder (`Turn.log_text`), and only until the attempt in the dialogue state."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import Any

from bot.cases.workdays import format_moment
from bot.core.binding_port import (
    BindByCode,
    BindByIdTail,
    BindingResult,
    BoundHousehold,
    ListMembers,
    Member,
    MemberRemoval,
    RemoveMember,
    Unbind,
)
from bot.core.button_ids import button_id, parse_button
from bot.core.messages import Button, Inbound, Outbound
from bot.core.port import Conversation, Outcomes, Turn, TurnContext
from handlers.flows import BACK_WORDS, CANCEL_WORDS, is_unsupported
from handlers.menu import MENU, MENU_BUTTON

NAME = "bind"
BIND_BUTTON = Button(f"intent:{NAME}", "绑定我家")  # for answers that offer binding to a resident not bound yet
PRIVATE = "（绑定信息，已隐去）"  # what the message log keeps of a code, a name or ID digits
MAX_CODE_CHARS = 64  # of a code carried by a button (/chat?bind=…): longer is not a code
MEMBERS_SHOWN = 10

CONSENT = (
    "绑定房屋档案前，请先了解：\n"
    "• 用途：把您现在用的这个聊天账号和征收台账中的一户关联起来，之后可以在这里查询本户的情况（面积、评估、协议、"
    "选房、交房、补偿款发放等），只用于办理本户的征收补偿事项。\n"
    "• 核对什么：工作组发的绑定码；或者户号、户主姓名和户主身份证号后6位。只拿来和台账比对，您输入的内容不保存。\n"
    "• 显示什么：只显示本户的信息；户主姓名打码（如 张**），不显示完整的身份证号。\n"
    "• 谁能看到：绑定到本户的家庭成员（彼此只看到“微信用户 3F2A”这样的标签，看不到对方的账号）；"
    "县征收办和本片区工作组的工作人员（台账本来由他们管理）。\n"
    "• 您的权利：随时可以“解除绑定”，绑定记录随即删除；也可以移除本户其他成员的绑定。\n"
    "按照《个人信息保护法》，需要您同意后才能绑定。您同意吗？"
)
DECLINED = "好的，没有绑定，也没有保存您的任何信息。需要时随时可以再来。"
ASK_CODE = (
    "请输入绑定码（12 位数字，在片区工作组发给您的绑定码单上；用手机扫码打开的会自动带上）。\n"
    "没有绑定码，请点“用户号核对”。"
)
ASK_HOUSEHOLD_NO = "请输入户号（在征收工作组发给您的材料上，如 DG-0001）。"
ASK_HEAD_NAME = "请输入户主姓名。"
ASK_ID_TAIL = "请输入户主身份证号的后 6 位（最后一位是 X 的，输入 X）。"
TAIL_SHAPE = "请输入 6 位：前 5 位是数字，最后一位是数字或 X。"
FAILED = (
    "没有核对成功，没有绑定。请核对后再试：绑定码只能用一次，用过、过期或已经重新发过码的不能再用；"
    "户号、户主姓名和身份证号后 6 位要和台账一致。连续多次不成功，绑定会暂停一段时间。\n"
    "也可以找片区工作组重新领取绑定码。"
)
LOCKED = (
    "尝试的次数太多了，为保护住户信息，绑定已经暂停一段时间，请以后再试。急需的话请到片区工作组办理，或点“转人工”。"
)
UNAVAILABLE = "绑定房屋档案的功能还没有开通，请联系片区工作组。"
NOT_BOUND = "您这个聊天账号还没有绑定房屋档案。"
ASK_NOW = "现在可以直接问本户的情况，例如：“我家评估价多少”“协议签了没”“选房号是几号”“过渡费发到几月了”“补偿款到账没”。"
UNBIND_CONFIRM = (
    "确定解除绑定吗？解除后，这个聊天账号不能再查询本户的信息，您的绑定记录随即删除（本户其他成员不受影响）。"
)
UNBOUND = "已解除绑定，您的绑定记录已经删除。需要时可以重新绑定。"
LEAVE_WORDS = re.compile(r"解除|解绑|删除|取消绑定|注销")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_DIGIT = re.compile(r"\d")

CANCEL = Button(button_id(NAME, "nav", "cancel"), "取消")
AGREE = Button(button_id(NAME, "consent", "yes"), "同意")
DISAGREE = Button(button_id(NAME, "consent", "no"), "不同意")
BY_CODE = Button(button_id(NAME, "way", "code"), "输入绑定码")
BY_ID = Button(button_id(NAME, "way", "id"), "用户号核对")
HUMAN = Button("intent:human", "转人工")
MEMBERS = Button(button_id(NAME, "members"), "家庭成员")
UNBIND = Button(button_id(NAME, "unbind", "ask"), "解除绑定")
TEXT_STEPS = ("code", "household_no", "head_name", "id_tail")


def _at(state: Conversation, step: str, data: dict[str, Any] | None = None) -> Conversation:
    return replace(state.idle(), flow=NAME, step=step, data=data or {})


def _member_line(index: int, member: Member) -> str:
    via = "绑定码" if member.via == "code" else "户号核对"
    me = "（您）" if member.me else ""
    return f"{index}. {member.label}{me} · {format_moment(member.bound_at)} 绑定 · {via}"


def household_text(house: BoundHousehold) -> str:
    """户号, address, masked 户主 and who is bound: what a member sees of the binding."""
    lines = [f"户号 {house.household_no}（{house.address}），户主 {house.head_name}。"]
    lines.append(f"已绑定的家庭成员（{len(house.members)} 人）：")
    lines += [_member_line(i, m) for i, m in enumerate(house.members[:MEMBERS_SHOWN], 1)]
    if len(house.members) > MEMBERS_SHOWN:
        lines.append(f"……另有 {len(house.members) - MEMBERS_SHOWN} 人")
    return "\n".join(lines)


def _status(state: Conversation, house: BoundHousehold, before: str = "") -> Turn:
    others = [m for m in house.members if not m.me][:MEMBERS_SHOWN]
    remove = tuple(Button(button_id(NAME, "remove", m.binding_id), f"移除 {m.label}") for m in others)
    text = (before + "\n" if before else "") + "您已绑定 " + household_text(house)
    text += "\n不需要时可以点“解除绑定”；家人用自己的微信或手机绑定后，会出现在这里，您也可以移除。"
    return Turn(state.idle(), (Outbound(text, (*remove, UNBIND, MENU_BUTTON)),))


def _not_bound(state: Conversation) -> Turn:
    return Turn(state.idle(), (Outbound(NOT_BOUND, (BIND_BUTTON, MENU_BUTTON)),))


def _consent(state: Conversation, data: dict[str, Any] | None = None) -> Turn:
    return Turn(_at(state, "consent", data), (Outbound(CONSENT, (AGREE, DISAGREE)),))


def _result(state: Conversation, result: object) -> Turn:
    """The reply to a binding attempt."""
    if not isinstance(result, BindingResult) or result.outcome == "unavailable":
        return Turn(state.idle(), (Outbound(UNAVAILABLE, MENU),))
    if result.outcome == "bound" and result.household is not None:
        house = result.household
        text = f"已绑定 户号 {house.household_no}（{house.address}）。\n{ASK_NOW}"
        text += "\n点“家庭成员”可以查看本户绑定的人；不需要时点“解除绑定”。"
        return Turn(state.idle(), (Outbound(text, (MEMBERS, UNBIND, MENU_BUTTON)),))
    if result.outcome == "locked":
        return Turn(state.idle(), (Outbound(LOCKED, (HUMAN, MENU_BUTTON)),))
    return Turn(_at(state, "code"), (Outbound(FAILED, (BY_CODE, BY_ID, HUMAN, CANCEL)),))


def _attempt(state: Conversation, effect: BindByCode | BindByIdTail) -> Turn:
    """Ask the desk to bind; the reply follows from what it found. The state keeps nothing that was typed."""
    return Turn(
        _at(state, "code"),
        (),
        (effect,),
        then=lambda outcomes: _result(state, outcomes.get(effect.ref)),
        log_text=PRIVATE,
    )


def _with_household(state: Conversation, then: Any) -> Turn:
    """Read the resident's household (and members) and answer with `then(house or None)`."""
    effect = ListMembers()
    return Turn(_at(state, "start"), (), (effect,), then=lambda outcomes: then(outcomes.get(effect.ref)))


class Binding:
    """The 绑定我家 flow (handlers/router.py FLOWS)."""

    name = NAME

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Bound: the household and its members (or, asked to, the unbinding). Not bound: the consent."""
        leaving = LEAVE_WORDS.search(state.last_question or "") is not None
        state = replace(state, last_question=None)  # read once: a later 绑定我家 is not a 解除绑定

        def answer(house: BoundHousehold | None) -> Turn:
            if house is None:
                if leaving:
                    return _not_bound(state)
                return _consent(state)
            if leaving:
                return Turn(_at(state, "unbind"), (Outbound(UNBIND_CONFIRM, self._unbind_buttons()),))
            return _status(state, house)

        return _with_household(state, answer)

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """Take 同意 / 不同意 typed, or the code, 户号, name or digits."""
        text = inbound.text.strip()
        private = state.step in TEXT_STEPS
        if text.lower() in CANCEL_WORDS or text.lower() in BACK_WORDS:
            turn = Turn(state.idle(), (Outbound("已退出绑定，没有保存任何信息。", MENU),))
            return replace(turn, log_text=PRIVATE if private else None)
        if state.step == "consent":
            if "不同意" in text or text in {"不", "否", "不要", "算了"}:
                return Turn(state.idle(), (Outbound(DECLINED, MENU),))
            if text.startswith(("同意", "我同意")) or text in {"好", "好的", "是", "可以"}:
                return self._agreed(state, ctx)
            return Turn(state.idle(), ())  # something else (a question): not a consent; answered as usual
        if state.step == "unbind":
            if text in {"确定", "确定解除", "是", "解除", "解除绑定"}:
                return self._unbind(state)
            return Turn(state.idle(), (Outbound("好的，没有解除绑定。", MENU),))
        if state.step not in TEXT_STEPS:  # a step this version does not know: start again
            return await self.start(state.idle(), ctx)
        if is_unsupported(inbound) or not text:
            return Turn(
                state, (Outbound("这一步需要打字回答。\n" + self._prompt(state.step), self._buttons(state.step)),)
            )
        if state.step in {"code", "household_no"} and _CHINESE.search(text) and not _DIGIT.search(text):
            return Turn(state.idle(), ())  # words, not a code or a 户号 (绑定我家 again, a question): not for us
        if state.step == "code":
            return _attempt(state, BindByCode("bound", text[:200], ctx.client))
        if state.step == "household_no":
            data = {"household_no": text[:64]}
            return replace(Turn(_at(state, "head_name", data), (Outbound(ASK_HEAD_NAME, (CANCEL,)),)), log_text=PRIVATE)
        if state.step == "head_name":
            data = {**state.data, "head_name": text[:64]}
            return replace(Turn(_at(state, "id_tail", data), (Outbound(ASK_ID_TAIL, (CANCEL,)),)), log_text=PRIVATE)
        tail = unicodedata.normalize("NFKC", text).replace(" ", "").upper()
        if not re.fullmatch(r"\d{5}[\dX]", tail):
            return replace(Turn(state, (Outbound(TAIL_SHAPE + "\n" + ASK_ID_TAIL, (CANCEL,)),)), log_text=PRIVATE)
        effect = BindByIdTail(
            "bound", str(state.data.get("household_no", "")), str(state.data.get("head_name", "")), tail, ctx.client
        )
        return _attempt(state, effect)

    async def button(self, state: Conversation, button_id_: str, ctx: TurnContext) -> Turn:
        """同意 / 不同意, the way of binding, 家庭成员, 移除, 解除绑定 — and a code brought by /chat?bind=…"""
        _, what, arg = parse_button(button_id_, 3)
        running = state.flow == NAME
        if what == "open":  # the web chat opened from the sheet's QR code: the code waits for the consent
            return replace(_consent(state, {"code": arg[:MAX_CODE_CHARS]}), log_text=PRIVATE)
        if what == "members":
            return _with_household(state, lambda house: _status(state, house) if house else _not_bound(state))
        if what == "unbind":
            if arg == "yes":
                return self._unbind(state)
            return Turn(_at(state, "unbind"), (Outbound(UNBIND_CONFIRM, self._unbind_buttons()),))
        if what in {"remove", "removeyes"}:
            return self._remove(state, what == "removeyes", arg)
        if what == "nav":
            return Turn(state.idle(), (Outbound("已退出绑定，没有保存任何信息。", MENU),))
        if what == "consent" and running and state.step == "consent":
            if arg == "yes":
                return self._agreed(state, ctx)
            return Turn(state.idle(), (Outbound(DECLINED, MENU),))
        if what == "way" and running and state.step in TEXT_STEPS:  # the consent was given
            step = "code" if arg == "code" else "household_no"
            return Turn(_at(state, step), (Outbound(self._prompt(step), self._buttons(step)),))
        if what in {"consent", "way"}:  # from an earlier message: begin again (the consent first)
            return await self.start(state.idle(), ctx)
        return Turn(state, (Outbound("这个按钮已经过期了，请重新选择。", MENU),))

    # -- the steps -----------------------------------------------------------------------------------------------

    def _agreed(self, state: Conversation, ctx: TurnContext) -> Turn:
        code = state.data.get("code")
        if isinstance(code, str) and code:  # brought by the QR code: try it now
            return _attempt(state, BindByCode("bound", code, ctx.client))
        return Turn(_at(state, "code"), (Outbound(ASK_CODE, self._buttons("code")),))

    @staticmethod
    def _prompt(step: str) -> str:
        return {"code": ASK_CODE, "household_no": ASK_HOUSEHOLD_NO, "head_name": ASK_HEAD_NAME}.get(step, ASK_ID_TAIL)

    @staticmethod
    def _buttons(step: str) -> tuple[Button, ...]:
        return (BY_ID, CANCEL) if step == "code" else (CANCEL,)

    @staticmethod
    def _unbind_buttons() -> tuple[Button, ...]:
        return (
            Button(button_id(NAME, "unbind", "yes"), "确定解除"),
            Button(button_id(NAME, "nav", "cancel"), "不解除"),
        )

    @staticmethod
    def _unbind(state: Conversation) -> Turn:
        effect = Unbind()

        def answer(outcomes: Outcomes) -> Turn:
            if outcomes.get(effect.ref) is None:
                return _not_bound(state)
            return Turn(state.idle(), (Outbound(UNBOUND, MENU),))

        return Turn(state.idle(), (), (effect,), then=answer)

    @staticmethod
    def _remove(state: Conversation, confirmed: bool, arg: str) -> Turn:
        if not arg.isdigit() or len(arg) > 18:
            return Turn(state.idle(), (Outbound("这个按钮已经过期了，请重新选择。", MENU),))
        binding_id = int(arg)
        if confirmed:
            effect = RemoveMember(binding_id)

            def removed(outcomes: Outcomes) -> Turn:
                result = outcomes.get(effect.ref)
                if not isinstance(result, MemberRemoval) or result.household is None:
                    return _not_bound(state)
                before = "已移除。" if result.removed else "这位成员已经不在本户的绑定名单里了。"
                return _status(state, result.household, before)

            return Turn(state.idle(), (), (effect,), then=removed)

        def confirm(house: BoundHousehold | None) -> Turn:
            member = next((m for m in house.members if m.binding_id == binding_id), None) if house else None
            if house is None or member is None:
                return Turn(state.idle(), (Outbound("这位成员已经不在本户的绑定名单里了。", MENU),))
            text = f"确定把“{member.label}”从本户的绑定中移除吗？移除后，对方要重新绑定才能查询本户的信息。"
            yes = Button(button_id(NAME, "removeyes", binding_id), "确定移除")
            return Turn(state.idle(), (Outbound(text, (yes, Button(button_id(NAME, "members"), "不移除"))),))

        return _with_household(state, confirm)


binding = Binding()
