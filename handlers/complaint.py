"""登记诉求: category, (whose staff), district, address, what happened, what the resident wants, (anonymous),
phone, confirmation → a case number."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cases.vocabulary import CATEGORY_LABELS, COMPLAINT_CATEGORIES, URGENT_CATEGORIES, Category
from handlers.case_fields import address_field, district_field, district_label, phone_field, receipt_reply, text_field
from handlers.flows import register
from handlers.form import ATTACHMENTS, KEY, Answer, Choice, Data, Field, Form, fixed, ok
from handlers.turn import CaseReceipt, Conversation, CreateCase, Outcomes, Turn, TurnContext

NAME = "complaint"
UNKNOWN_UNIT = "unknown"


def _is_conduct(data: Data) -> bool:
    return data.get("category") == Category.STAFF_CONDUCT


def _category(arg: str, data: Data, ctx: TurnContext) -> Answer:
    """Store the category; warn about danger for urgent ones."""
    notice = None
    if arg in URGENT_CATEGORIES:
        contacts = ctx.kb.params.get("contacts", {})
        notice = ("这类问题会按紧急事项办理。如果正面临人身危险，请立即拨打 110；"
                  f"施工安全隐患也可以直接打 {contacts.get('safety_phone', '')}。")
    elif arg == Category.STAFF_CONDUCT:
        notice = "反映工作人员作风问题，会直接交给纪检监察办理，不会转给被反映的单位。"
    values = {"category": arg}
    if arg != Category.STAFF_CONDUCT:
        values.update(unit=None, anonymous=False)
    return ok(notice, **values)


async def _units(data: Data, ctx: TurnContext) -> Sequence[Choice]:
    return [*(await ctx.cases.complaint_units()), (UNKNOWN_UNIT, "说不清")]


def _anonymous(arg: str, data: Data, ctx: TurnContext) -> Answer:
    if arg == "yes":
        return ok("匿名反映不留电话，工作人员无法和您当面核实；办理结果会在这里告诉您。", anonymous=True, phone=None)
    return ok(anonymous=False)


FIELDS = (
    Field("category", lambda data, ctx: "您要反映哪一类问题？",
          choices=fixed([(c.value, CATEGORY_LABELS[c]) for c in COMPLAINT_CATEGORIES]), on_choice=_category),
    Field("unit", lambda data, ctx: "被反映的是哪个单位的工作人员？",
          choices=_units, on_choice=lambda arg, data, ctx: ok(unit=arg), applies=_is_conduct),
    district_field(prompt="事情发生在哪个片区？"),
    address_field(),
    text_field("description", "请说说发生了什么：时间、地点、涉及的人和事。", "情况说明", 5, 1000),
    text_field("wish", "您希望怎么解决？", "诉求", 2, 500),
    Field("anonymous", lambda data, ctx: "您要实名反映，还是匿名反映？实名反映便于工作人员联系您核实。",
          choices=fixed([("no", "实名反映"), ("yes", "匿名反映")]), on_choice=_anonymous, applies=_is_conduct),
    phone_field(applies=lambda data: not data.get("anonymous")),
)


def _summary(data: Data, ctx: TurnContext) -> str:
    lines = [f"问题类别：{CATEGORY_LABELS[Category(data['category'])]}"]
    if _is_conduct(data):
        lines.append("反映方式：匿名" if data.get("anonymous") else "反映方式：实名")
    lines += [
        f"片区：{district_label(ctx, data['district'])}",
        f"地址：{data['address']}",
        f"情况：{data['description']}",
        f"诉求：{data['wish']}",
    ]
    if data.get("phone"):
        lines.append(f"电话：{data['phone']}")
    if data.get(ATTACHMENTS):
        lines.append(f"图片：{len(data[ATTACHMENTS])} 张")
    return "\n".join(lines)


def _submit(state: Conversation, data: Data, ctx: TurnContext) -> Turn:
    """File the complaint; the reply with its number is made once the case exists in this transaction."""
    unit = data.get("unit")
    effect = CreateCase(
        ref="case", intake_key=data[KEY], type="complaint", category=data["category"], district=data["district"],
        address=data["address"], description=data["description"], wish=data["wish"],
        phone=None if data.get("anonymous") else data.get("phone"), anonymous=bool(data.get("anonymous")),
        named_unit=unit if unit and unit != UNKNOWN_UNIT else None,
        details={"attachments": list(data.get(ATTACHMENTS) or [])},
    )

    def then(outcomes: Outcomes) -> Turn:
        receipt: CaseReceipt = outcomes["case"]
        return Turn(state.idle(), (receipt_reply(receipt, "诉求"),))

    return Turn(state, (), (effect,), then)


complaint = register(Form(
    NAME, "诉求登记", FIELDS, _summary, _submit,
    intro="好的，帮您登记诉求，一共几个问题。随时可以点“返回”改上一步，点“取消”不登记。",
))
