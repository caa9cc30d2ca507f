"""Forms: an ordered table of fields, asked one at a time, each validated, with 返回 and 取消 everywhere, a
confirmation screen, and a submit that returns effects. Everything a form knows lives in Conversation.data, which
the core stores with every turn — so a form survives a restart and continues where the resident was.

Button ids are `<form>:<field>:<choice>` (`<form>` is the form's prefix, its name unless set; `<choice>` is
`_skip` for 跳过 on an optional field); a button from an earlier question (a stale message) is recognised by its
field and answered with the current question again, never taken as an answer to another field.

A form's questions may depend on the context (the county plan decides whether the calculator asks for a monthly
profit): `fields` is then a function of the TurnContext. Answers the resident gives in passing — in the question
that started the form or beside another answer (一百二十平的砖房 where the district is asked) — are stored as
`Answer.given` and those questions are not asked."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from bot.core.button_ids import parse_button
from bot.core.messages import Button, Inbound, InboundKind, Outbound
from bot.core.port import Conversation, Turn, TurnContext
from handlers.flows import BACK_WORDS, CANCEL_WORDS, NEEDS_TEXT, is_unsupported
from handlers.menu import MENU, MENU_WORDS

Data = Mapping[str, Any]
Choice = tuple[str, str]  # (id, label)
CONFIRM = "confirm"
KEY = "_key"  # the message that started the form: the identity of this submission
GIVEN = "_given"  # names of the answers given in passing: not asked when the form moves on
SKIP = "_skip"  # the choice id of 跳过 on an optional field
SKIP_WORDS = frozenset({"跳过", "略过", "不填", "不知道", "不清楚", "skip"})
STALE_BUTTON = "这个按钮已经过期了，请回答下面的问题。"
ATTACHMENTS = "_attachments"
MAX_ATTACHMENTS = 5
MAX_RECORDINGS = 10


@dataclass(frozen=True)
class Answer:
    """What a field made of the resident's input: values to store, or an error to show with the question again."""

    values: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None
    stay: bool = False  # ask the same field again (a multi-select being filled in)
    notice: str | None = None  # said before the next question
    given: Mapping[str, Any] = field(default_factory=dict)  # answers to other questions, said in passing


def ok(notice: str | None = None, **values: Any) -> Answer:
    return Answer(values, notice=notice)


def invalid(message: str) -> Answer:
    return Answer(error=message)


def _always(data: Data) -> bool:
    return True


@dataclass(frozen=True)
class Field:
    """One question. `choices` become buttons (a typed label counts as a tap); `on_text` takes typed answers."""

    name: str
    prompt: Callable[[Data, TurnContext], str]
    choices: Callable[[Data, TurnContext], Awaitable[Sequence[Choice]]] | None = None
    on_choice: Callable[[str, Data, TurnContext], Answer] | None = None
    on_text: Callable[[str, Data, TurnContext], Answer] | None = None
    applies: Callable[[Data], bool] = _always
    accepts_location: bool = False  # a shared location is a typed answer here (address fields)
    label_key: str | None = None  # also store the chosen button's label under this key (for the summary)
    optional: bool = False  # 跳过 (a button, or typed) stores "" and moves on


def fixed(choices: Sequence[Choice]) -> Callable[[Data, TurnContext], Awaitable[Sequence[Choice]]]:
    async def get(data: Data, ctx: TurnContext) -> Sequence[Choice]:
        return choices

    return get


@dataclass(frozen=True)
class Form:
    """A flow (handlers.flows.Flow) made of fields, a summary and a submit."""

    name: str
    title: str
    fields: tuple[Field, ...] | Callable[[TurnContext], tuple[Field, ...]]
    summary: Callable[[Data, TurnContext], str]
    submit: Callable[[Conversation, Data, TurnContext], Turn]
    intro: str | Callable[[TurnContext], str] = ""
    confirm: bool = True  # False: the last answer submits (short forms)
    # answers already given in the question that started the form (我要投诉断水断电): not asked again
    prefill: Callable[[str, TurnContext], Answer] | None = None
    prefix: str = ""  # of its button ids, if not the name
    numbered: bool = False  # "（第 2/8 步）" before each question
    text_only: bool = False  # no photos kept, no locations taken: anything but words gets NEEDS_TEXT
    back_notice: str = ""  # said when 返回 goes to the previous question

    @property
    def button_prefix(self) -> str:
        return self.prefix or self.name

    def questions(self, ctx: TurnContext) -> tuple[Field, ...]:
        """The form's fields in this context."""
        return self.fields(ctx) if callable(self.fields) else self.fields

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Open a fresh form and ask its first question not answered by the question that started it."""
        key = ctx.message_key or f"{self.name}:{ctx.now.isoformat()}"
        data: dict[str, Any] = {KEY: key}
        before = [self.intro(ctx) if callable(self.intro) else self.intro]
        given: Answer = ok()
        if self.prefill is not None:
            given = self.prefill(state.last_question or "", ctx)
            data.update({**given.values, **given.given, **_given(data, given)})
            before.append(given.notice or "")
            state = replace(state, last_question=None)  # used once: a later form starts afresh
        skipped = {*given.values, *data.get(GIVEN, ())}
        first = next((f for f in self.questions(ctx) if f.applies(data) and f.name not in skipped), None)
        step = first.name if first is not None else CONFIRM
        new_state = replace(state, flow=self.name, step=step, data=data)
        return await self._ask(new_state, ctx, before="\n".join(b for b in before if b))

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """Take a typed answer (or a shared location, or a photo) to the current question."""
        text = inbound.text.strip()
        if inbound.kind is InboundKind.IMAGE and not self.text_only:
            return await self._attach(state, inbound, ctx)
        if inbound.payload.get("recording_id"):  # a spoken answer: its recording goes with the form (bot/speech)
            state = with_recording(state, inbound)
        if text.lower() in CANCEL_WORDS or (text.lower() in MENU_WORDS and text not in BACK_WORDS):
            return self._cancel(state)
        if text.lower() in BACK_WORDS:
            return await self._back(state, ctx)
        if state.step == CONFIRM:
            if text in {"确认", "确认提交", "提交", "是", "对"}:
                return self.submit(state, state.data, ctx)
            return await self._ask(state, ctx, before="请点“确认提交”，或点“返回修改”。")
        current = self._field(state.step, ctx)
        if current is None:
            return await self._restart(state, ctx)
        misplaced = inbound.kind is InboundKind.LOCATION and not current.accepts_location
        if misplaced and not self.text_only:
            return await self._ask(state, ctx, before="这一步不需要位置。")
        if is_unsupported(inbound) or misplaced or inbound.kind is InboundKind.IMAGE:  # a photo: text-only forms
            return await self._ask(state, ctx, before=NEEDS_TEXT)
        if not text:
            return await self._ask(state, ctx, before="请回答下面的问题。")
        if current.optional and text.lower() in SKIP_WORDS:
            return await self._apply(state, current, ok(**{current.name: ""}), ctx)
        if current.choices is not None:
            for choice_id, label in await current.choices(state.data, ctx):
                if text == label and current.on_choice is not None:
                    return await self._apply(state, current, self._chosen(current, choice_id, label, state, ctx), ctx)
        if current.on_text is None:
            return await self._ask(state, ctx, before="请点下面的按钮选择。")
        return await self._apply(state, current, current.on_text(text, state.data, ctx), ctx)

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """Take a tapped answer; a button of another question is stale."""
        prefix, name, arg = parse_button(button_id, 3)
        if state.flow != self.name:  # a button from a form already submitted or cancelled
            text = f"这份{self.title}已经提交或取消了，这个按钮不再有效。要查看已提交的事项，请点“查进度”。"
            return Turn(state, (Outbound(text, (Button("intent:status", "查进度"), *MENU)),))
        if prefix != self.button_prefix:
            return await self._ask(state, ctx, before=STALE_BUTTON)
        if name == "nav":
            if arg == "cancel":
                return self._cancel(state)
            if arg == "back":
                return await self._back(state, ctx)
        if name != state.step:
            return await self._ask(state, ctx, before=STALE_BUTTON)
        if name == CONFIRM:
            return self.submit(state, state.data, ctx) if arg == "yes" else await self._ask(state, ctx)
        current = self._field(name, ctx)
        if current is None:
            return await self._restart(state, ctx)
        if arg == SKIP and current.optional:
            return await self._apply(state, current, ok(**{current.name: ""}), ctx)
        if current.choices is None or current.on_choice is None:  # a typed question has no buttons: forged
            return await self._ask(state, ctx, before=STALE_BUTTON)
        labels = dict(await current.choices(state.data, ctx))
        if arg not in labels:
            return await self._ask(state, ctx, before="这个选项已经过期了，请重新选择。")
        return await self._apply(state, current, self._chosen(current, arg, labels[arg], state, ctx), ctx)

    # -- navigation ---------------------------------------------------------------------------------------------

    @staticmethod
    def _chosen(current: Field, choice_id: str, label: str, state: Conversation, ctx: TurnContext) -> Answer:
        assert current.on_choice is not None
        answer = current.on_choice(choice_id, state.data, ctx)
        if current.label_key is None or answer.error:
            return answer
        return replace(answer, values={**answer.values, current.label_key: label})

    async def _apply(self, state: Conversation, current: Field, answer: Answer, ctx: TurnContext) -> Turn:
        data = {**state.data, **answer.given, **_given(state.data, answer)}
        if answer.error:
            return await self._ask(replace(state, data=data), ctx, before=answer.error)
        data.update(answer.values)
        if answer.stay:
            return await self._ask(replace(state, data=data), ctx, before=answer.notice or "")
        index = self._index(current.name, ctx)
        following = self._next_field(data, index, ctx)
        if following is None and not self.confirm:
            return self.submit(replace(state, data=data), data, ctx)
        step = following.name if following is not None else CONFIRM
        return await self._ask(replace(state, step=step, data=data), ctx, before=answer.notice or "")

    async def back_from_end(self, state: Conversation, ctx: TurnContext) -> Turn:
        """返回 after the last question (a form that shows a result instead of submitting): ask the last again."""
        return await self._back(replace(state, step=CONFIRM), ctx)

    async def _back(self, state: Conversation, ctx: TurnContext) -> Turn:
        index = len(self.questions(ctx)) if state.step == CONFIRM else self._index(state.step or "", ctx)
        previous = self._previous_field(state.data, index, ctx)
        if previous is None:
            return Turn(state.idle(), (Outbound(f"已退出{self.title}，没有提交任何内容。", MENU),))
        return await self._ask(replace(state, step=previous.name), ctx, before=self.back_notice)

    def _cancel(self, state: Conversation) -> Turn:
        return Turn(state.idle(), (Outbound(f"已取消{self.title}，没有提交任何内容。需要时随时再来。", MENU),))

    async def _restart(self, state: Conversation, ctx: TurnContext) -> Turn:
        """The stored step no longer exists (the form changed): start again, politely."""
        turn = await self.start(state.idle(), ctx)
        return replace(turn, replies=(Outbound("抱歉，表单已更新，请重新填写。"), *turn.replies))

    async def _attach(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        files = list(state.data.get(ATTACHMENTS) or [])
        if photo_count(state.data) >= MAX_ATTACHMENTS:
            return await self._ask(state, ctx, before=f"最多附 {MAX_ATTACHMENTS} 张图片，这张没有收下。")
        file_id = str(inbound.payload.get("file_id") or "")[:200]
        files.append(
            {
                "channel": inbound.channel,
                "file_id": file_id,
                "caption": inbound.text[:200],
                "attachment_id": str(inbound.payload.get("attachment_id") or "")[:32],
            }
        )  # bot/attachments
        state = replace(state, data={**state.data, ATTACHMENTS: files})
        return await self._ask(state, ctx, before="收到图片，会作为材料附在表单里。")

    # -- asking ------------------------------------------------------------------------------------------------

    async def _ask(self, state: Conversation, ctx: TurnContext, before: str = "") -> Turn:
        p = self.button_prefix
        nav = (Button(f"{p}:nav:back", "返回"), Button(f"{p}:nav:cancel", "取消"))
        if state.step == CONFIRM:
            text = f"请核对{self.title}：\n\n{self.summary(state.data, ctx)}\n\n信息无误请点“确认提交”。"
            buttons: tuple[Button, ...] = (
                Button(f"{p}:{CONFIRM}:yes", "确认提交"),
                Button(f"{p}:nav:back", "返回修改"),
                Button(f"{p}:nav:cancel", "取消"),
            )
        else:
            current = self._field(state.step, ctx)
            if current is None:
                return await self._restart(state, ctx)
            text = current.prompt(state.data, ctx)
            if self.numbered:
                asked = [f.name for f in self.questions(ctx) if f.applies(state.data)]
                position = asked.index(current.name) + 1 if current.name in asked else len(asked)
                text = f"（第 {position}/{len(asked)} 步）{text}"
            choices = await current.choices(state.data, ctx) if current.choices is not None else ()
            skip = (Button(f"{p}:{current.name}:{SKIP}", "跳过"),) if current.optional else ()
            buttons = (*(Button(f"{p}:{current.name}:{c}", label) for c, label in choices), *skip, *nav)
        replies = [Outbound(before)] if before else []
        return Turn(state, (*replies, Outbound(text, buttons)))

    def _field(self, name: str | None, ctx: TurnContext) -> Field | None:
        return next((f for f in self.questions(ctx) if f.name == name), None)

    def _index(self, name: str, ctx: TurnContext) -> int:
        return next((i for i, f in enumerate(self.questions(ctx)) if f.name == name), -1)

    def _next_field(self, data: Data, index: int, ctx: TurnContext) -> Field | None:
        given = data.get(GIVEN, ())
        return next((f for f in self.questions(ctx)[index + 1 :] if f.applies(data) and f.name not in given), None)

    def _previous_field(self, data: Data, index: int, ctx: TurnContext) -> Field | None:
        return next((f for f in reversed(self.questions(ctx)[: max(index, 0)]) if f.applies(data)), None)


def _given(data: Data, answer: Answer) -> dict[str, Any]:
    """The GIVEN list with the names of `answer.given` added (empty when it gives nothing in passing)."""
    if not answer.given:
        return {}
    return {GIVEN: list(dict.fromkeys((*data.get(GIVEN, ()), *answer.given)))}


def with_recording(state: Conversation, inbound: Inbound) -> Conversation:
    """The form's state with this voice message's stored recording among its attachments (at most MAX_RECORDINGS)."""
    files = list(state.data.get(ATTACHMENTS) or [])
    if sum(1 for f in files if f.get("kind") == "voice") >= MAX_RECORDINGS:
        return state
    files.append(
        {
            "kind": "voice",
            "channel": inbound.channel,
            "caption": inbound.text[:200],
            "attachment_id": str(inbound.payload["recording_id"])[:32],
        }
    )
    return replace(state, data={**state.data, ATTACHMENTS: files})


def photo_count(data: Data) -> int:
    """The photos among a form's attachments (its spoken answers' recordings are kept there too)."""
    return sum(1 for f in data.get(ATTACHMENTS) or () if f.get("kind", "image") == "image")
