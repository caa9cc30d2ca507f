"""转人工: the resident's question becomes an inquiry case for the dispatcher desk; staff answers come back into
this chat through the outbox. Two questions, no confirmation screen."""

from __future__ import annotations

from bot.cases.vocabulary import UNKNOWN_DISTRICT, CaseType, Category
from bot.core.messages import Outbound
from bot.core.port import CaseReceipt, Conversation, CreateCase, Outcomes, Turn, TurnContext
from handlers.case_fields import phone_field, receipt_reply, text_field
from handlers.form import KEY, Answer, Data, Field, Form, fixed, ok

NAME = "human"


def _contact(arg: str, data: Data, ctx: TurnContext) -> Answer:
    return ok(contact=arg, phone=None) if arg == "chat" else ok(contact=arg)


FIELDS = (
    text_field("question", "请简单说说您想问工作人员什么（一两句话就行）。", "问题", 2, 500),
    Field(
        "contact",
        lambda data, ctx: "工作人员怎么回复您？",
        choices=fixed([("chat", "在这里回复我"), ("phone", "给我打电话")]),
        on_choice=_contact,
    ),
    phone_field(applies=lambda data: data.get("contact") == "phone"),
)


def _submit(state: Conversation, data: Data, ctx: TurnContext) -> Turn:
    """File the inquiry; the reply with its number is made once the case exists in this transaction."""
    effect = CreateCase(
        ref="case",
        intake_key=data[KEY],
        type=CaseType.INQUIRY,
        category=Category.INQUIRY,
        district=UNKNOWN_DISTRICT,
        description=data["question"],
        phone=data.get("phone"),
        details={"contact": data.get("contact")},
    )
    hotline = ctx.kb.params.get("contacts", {}).get("hotline", "")

    def then(outcomes: Outcomes) -> Turn:
        receipt: CaseReceipt = outcomes["case"]
        reply = receipt_reply(receipt, "问题")
        if receipt.created:
            reply = Outbound(
                reply.text.replace("已登记！", "已转给工作人员！", 1) + f"\n着急的话，也可以拨打热线 {hotline}。",
                reply.buttons,
            )
        return Turn(state.idle(), (reply,))

    return Turn(state, (), (effect,), then)


def _summary(data: Data, ctx: TurnContext) -> str:  # pragma: no cover - this form has no confirmation screen
    return str(data.get("question", ""))


def _intro(ctx: TurnContext) -> str:
    contacts = ctx.kb.params.get("contacts", {})
    return (
        "好的，帮您转给工作人员，工作时间内会尽快在这里答复您。\n"
        f"着急的话可以直接打电话：热线 {contacts.get('hotline', '')}，"
        f"{contacts.get('headquarters', '')} {contacts.get('headquarters_phone', '')}。随时可以点“取消”。"
    )


human_handoff = Form(NAME, "转人工", FIELDS, _summary, _submit, intro=_intro, confirm=False)
