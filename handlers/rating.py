"""满意 / 基本满意 / 不满意 on a resolved case (the buttons sent with 办结 and shown by 查进度). Every rating is recorded
(一事一评: a reopened case is rated again). 不满意 reopens the case once — later, or too late, it is for 复查 — tells
the resident of the right to 复查 either way, and asks what was wrong: a reason they may skip, which the staff who
handle the case again read in its history."""

from __future__ import annotations

from dataclasses import replace

from bot.cases.vocabulary import Rating
from bot.cases.workdays import format_due
from bot.core.button_ids import button_id, parse_button
from bot.core.messages import Button, Inbound, InboundKind, Outbound
from bot.core.port import Conversation, ExplainRating, Outcomes, RateCase, RatingResult, Turn, TurnContext
from handlers.flows import BACK_WORDS, CANCEL_WORDS
from handlers.menu import MENU, MENU_BUTTON, MENU_WORDS

NAME = "rating_reason"
SKIP = Button(button_id(NAME, "skip"), "跳过")
STATUS_BUTTON = Button("intent:status", "查进度")
HUMAN = Button("intent:human", "转人工")
REVIEW_TOPIC = "petition.review"  # the curated entry on 复查 and 复核
MIN_REASON, MAX_REASON = 2, 500
SKIP_WORDS = frozenset({"跳过", "不说了", "不用了", "算了", "没有", *(b.label for b in MENU)})  # a menu label too
RATING_REPLIES = {
    "rated": "谢谢您的评价！还有别的事可以随时找我。",
    "already_rated": "这件事您已经评价过了，谢谢！",
    "not_closed": "这件事还在办理中，办结后再请您评价。",
    "not_found": "没有找到这件事，按钮可能已经过期了。",
}
ASK_REASON = (
    f"能说说哪里不满意吗？直接打字告诉我（最多 {MAX_REASON} 字），承办单位再办理时会看到。不想说的话，点“跳过”就行。"
)
IN_A_FORM = "\n（您正在办的事还没有结束，接着回答上面的问题即可。）"


def review_right(ctx: TurnContext) -> str:
    """The resident's right to 复查 (《信访工作条例》), with the periods of the parameter file."""
    deadlines = ctx.kb.params.get("deadlines", {})
    return (
        f"按《信访工作条例》，对办理结果不满意的，可以在收到办理结果后 {deadlines.get('review_request_days', 30)} 日内"
        f"申请复查，复查意见应在 {deadlines.get('review_decision_days', 30)} 日内作出。"
    )


def _review_button(ctx: TurnContext) -> tuple[Button, ...]:
    return (Button(f"topic:{REVIEW_TOPIC}", "怎么申请复查"),) if ctx.kb.topic(REVIEW_TOPIC) is not None else ()


def rate(state: Conversation, arg: str, ctx: TurnContext) -> Turn:
    """满意 / 基本满意 / 不满意 on a resolved case: recorded; 不满意 reopens it or explains 复查, and asks why."""
    number, code = parse_button(arg)
    rating = next((r for r in Rating if r.value == code), None)
    if rating is None or not number:
        return Turn(state, (Outbound(RATING_REPLIES["not_found"], MENU),))

    def then(outcomes: Outcomes) -> Turn:
        result: RatingResult = outcomes["rating"]
        if result.outcome not in ("reopened", "review"):
            text = RATING_REPLIES[result.outcome] + (IN_A_FORM if state.flow not in (None, NAME) else "")
            return Turn(state, (Outbound(text, (MENU_BUTTON,)),))
        if result.outcome == "reopened":
            due = f"新的办结期限为{format_due(result.finish_due)}。" if result.finish_due else ""
            text = (
                f"很抱歉没有让您满意。已经重新交办（编号 {result.number}），承办单位会再次办理。{due}\n"
                f"如果对重新办理的结果仍不满意：{review_right(ctx)}"
            )
        else:
            text = f"很抱歉没有让您满意。{review_right(ctx)}需要帮助可以点“转人工”。"
        if state.flow not in (None, NAME):  # in the middle of a form: the form goes on, no question of ours
            return Turn(state, (Outbound(text + IN_A_FORM, (*_review_button(ctx), HUMAN, MENU_BUTTON)),))
        asking = replace(state.idle(), flow=NAME, step="reason", data={"number": result.number})
        return Turn(asking, (Outbound(text), Outbound(ASK_REASON, (SKIP, *_review_button(ctx), HUMAN))))

    return Turn(state, (), (RateCase(ref="rating", number=number, rating=rating),), then)


class RatingReason:
    """After 不满意: the resident's reason, typed, or 跳过."""

    name = NAME

    async def start(self, state: Conversation, ctx: TurnContext) -> Turn:
        """Not started from the menu: only a 不满意 asks for a reason."""
        return Turn(state.idle(), (Outbound("需要什么可以直接说，或点下面的按钮。", MENU),))

    async def step(self, state: Conversation, inbound: Inbound, ctx: TurnContext) -> Turn:
        """Take the reason (or a word meaning skip) and record it with the rating."""
        text = " ".join(inbound.text.split())
        lowered = text.lower()
        if lowered in CANCEL_WORDS | BACK_WORDS | MENU_WORDS | SKIP_WORDS:
            return self._skip(state)
        if inbound.kind not in (InboundKind.TEXT, InboundKind.VOICE) or len(text) < MIN_REASON:
            return Turn(state, (Outbound("请打字说一说哪里不满意（至少 2 个字）；不想说请点“跳过”。", (SKIP,)),))
        if len(text) > MAX_REASON:
            return Turn(
                state,
                (
                    Outbound(
                        f"写得太长了（最多 {MAX_REASON} 字，您写了 {len(text)} 字），请精简一下再发；或点“跳过”。",
                        (SKIP,),
                    ),
                ),
            )
        number = str(state.data.get("number", ""))

        def then(outcomes: Outcomes) -> Turn:
            if outcomes["reason"]:
                reply = f"谢谢您，已经记下了（编号 {number}），承办单位再办理时会看到。"
            else:
                reply = "这件事的意见已经记下了，谢谢您。"
            return Turn(state.idle(), (Outbound(reply, (STATUS_BUTTON, MENU_BUTTON)),))

        return Turn(state, (), (ExplainRating(ref="reason", number=number, reason=text),), then)

    async def button(self, state: Conversation, button_id: str, ctx: TurnContext) -> Turn:
        """跳过 — from this question only; an older one is stale."""
        if state.flow == NAME and button_id == SKIP.id:
            return self._skip(state)
        if state.flow == NAME:
            return Turn(state, (Outbound("这个按钮已经过期了。" + ASK_REASON, (SKIP,)),))
        return Turn(state, (Outbound("这个按钮已经过期了，请重新选择。", MENU),))

    def _skip(self, state: Conversation) -> Turn:
        return Turn(state.idle(), (Outbound("好的。还有别的事可以随时找我。", (STATUS_BUTTON, MENU_BUTTON)),))


rating_reason = RatingReason()
