"""登记诉求: category, (whose staff), district, address, what happened, what the resident wants, (anonymous),
phone, confirmation → a case number.

A category the resident already named in the question that started the form (我要投诉拆迁队断水断电) is not asked
again. A staff-conduct complaint asks only roughly where it happened, and may skip it: the resident's own address is
not needed, and an anonymous complainant should not have to give it."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cases.vocabulary import CATEGORY_LABELS, COMPLAINT_CATEGORIES, URGENT_CATEGORIES, CaseType, Category
from bot.core.port import CaseReceipt, Conversation, CreateCase, Outcomes, Turn, TurnContext
from handlers.case_fields import (
    MAX_ADDRESS,
    MIN_ADDRESS,
    district_field,
    district_label,
    phone_field,
    receipt_reply,
    text_field,
)
from handlers.form import ATTACHMENTS, KEY, Answer, Choice, Data, Field, Form, fixed, invalid, ok, photo_count
from knowledge.text import compact

NAME = "complaint"
UNKNOWN_UNIT = "unknown"
NO_PLACE = "none"
MIN_PLACE = 2
# words that name a category in a resident's question; a question naming two categories is asked about
CATEGORY_WORDS = {
    Category.UTILITY_CUT: (
        "断水",
        "断电",
        "停水",
        "停电",
        "断路",
        "挖断",
        "断气",
        "停气",
        "断暖",
        "停暖",
        "威胁",
        "恐吓",
        "吓唬",
        "逼迁",
    ),
    Category.STAFF_CONDUCT: ("态度", "作风", "索要", "吃拿卡要", "红包", "受贿", "工作人员"),
    Category.SITE_SAFETY: ("安全隐患", "施工安全", "围挡", "倒塌", "塌了"),
    Category.PAYMENT_DELAY: ("没到账", "不到账", "未到账", "没发", "未发", "拖欠", "迟迟不发", "没打款"),
    Category.COMPENSATION: ("评估", "补偿太低", "补得太少", "补偿少", "少算", "漏算", "补偿标准"),
    Category.RESETTLEMENT: ("安置房", "回迁", "选房"),
}


def _is_conduct(data: Data) -> bool:
    return data.get("category") == Category.STAFF_CONDUCT


def _category(arg: str, data: Data, ctx: TurnContext) -> Answer:
    """Store the category; warn about danger for urgent ones."""
    notice = None
    if arg in URGENT_CATEGORIES:
        contacts = ctx.kb.params.get("contacts", {})
        notice = (
            "这类问题会按紧急事项办理。如果正面临人身危险，请立即拨打 110；"
            f"施工安全隐患也可以直接打 {contacts.get('safety_phone', '')}。"
        )
    elif arg == Category.STAFF_CONDUCT:
        notice = "反映工作人员作风问题，会直接交给纪检监察办理，不会转给被反映的单位。"
    values: dict[str, object] = {"category": arg}
    if arg != Category.STAFF_CONDUCT:
        values.update(unit=None, unit_name=None, anonymous=False)
    return ok(notice, **values)


def named_category(question: str) -> Category | None:
    """The one complaint category the question names, if it names exactly one."""
    text = compact(question)
    found = [c for c, words in CATEGORY_WORDS.items() if any(w in text for w in words)]
    return found[0] if len(found) == 1 else None


def _prefill(question: str, ctx: TurnContext) -> Answer:
    """The category named in the question that started the form, taken as the answer to the first question."""
    category = named_category(question)
    if category is None:
        return ok()
    answer = _category(category.value, {}, ctx)
    told = f"按您说的，问题类别已选为“{CATEGORY_LABELS[category]}”；不对的话，点“返回”重新选。"
    return ok(" ".join(n for n in (told, answer.notice) if n), **answer.values)


def _place_prompt(data: Data, ctx: TurnContext) -> str:
    if _is_conduct(data):
        return (
            "事情大概发生在哪里？写个大概位置就行，例如：东关街附近、工作组办公室。"
            "不需要写您家的门牌号；不方便说可以点“不方便说”。"
        )
    return "请写下具体地址（街道、门牌号），例如：东关街18号3单元。也可以发送位置。"


async def _place_choices(data: Data, ctx: TurnContext) -> Sequence[Choice]:
    return [(NO_PLACE, "不方便说")] if _is_conduct(data) else []


def _place_text(text: str, data: Data, ctx: TurnContext) -> Answer:
    """The address (other complaints: a street address); for staff conduct a rough place is enough."""
    text = " ".join(text.split())
    minimum = MIN_PLACE if _is_conduct(data) else MIN_ADDRESS
    if len(text) < minimum:
        if _is_conduct(data):
            return invalid("请写个大概位置（至少 2 个字），或点“不方便说”。")
        return invalid(f"地址太短了，请写得具体一些（至少 {MIN_ADDRESS} 个字），例如：东关街18号。")
    if len(text) > MAX_ADDRESS:
        return invalid(f"地址太长了（最多 {MAX_ADDRESS} 个字，您写了 {len(text)} 个字），请精简一下再发。")
    return ok(address=text)


async def _units(data: Data, ctx: TurnContext) -> Sequence[Choice]:
    return [*(await ctx.cases.complaint_units()), (UNKNOWN_UNIT, "说不清")]


def _anonymous(arg: str, data: Data, ctx: TurnContext) -> Answer:
    if arg == "yes":
        return ok("匿名反映不留电话，工作人员无法和您当面核实；办理结果会在这里告诉您。", anonymous=True, phone=None)
    return ok(anonymous=False)


FIELDS = (
    Field(
        "category",
        lambda data, ctx: "您要反映哪一类问题？",
        choices=fixed([(c.value, CATEGORY_LABELS[c]) for c in COMPLAINT_CATEGORIES]),
        on_choice=_category,
    ),
    Field(
        "unit",
        lambda data, ctx: "被反映的是哪个单位的工作人员？",
        choices=_units,
        on_choice=lambda arg, data, ctx: ok(unit=arg),
        applies=_is_conduct,
        label_key="unit_name",
    ),
    district_field(prompt="事情发生在哪个片区？"),
    Field(
        "address",
        _place_prompt,
        choices=_place_choices,
        on_choice=lambda arg, data, ctx: ok(address=""),
        on_text=_place_text,
        accepts_location=True,
    ),
    text_field("description", "请说说发生了什么：时间、地点、涉及的人和事。", "情况说明", 5, 1000),
    text_field("wish", "您希望怎么解决？", "诉求", 2, 500),
    Field(
        "anonymous",
        lambda data, ctx: "您要实名反映，还是匿名反映？实名反映便于工作人员联系您核实。",
        choices=fixed([("no", "实名反映"), ("yes", "匿名反映")]),
        on_choice=_anonymous,
        applies=_is_conduct,
    ),
    phone_field(applies=lambda data: not data.get("anonymous")),
)


def _summary(data: Data, ctx: TurnContext) -> str:
    lines = [f"问题类别：{CATEGORY_LABELS[Category(data['category'])]}"]
    if _is_conduct(data):
        lines.append(f"被反映单位：{data.get('unit_name') or '说不清'}")
        lines.append("反映方式：匿名" if data.get("anonymous") else "反映方式：实名")
        place = f"地点：{data['address'] or '不方便说'}"
    else:
        place = f"地址：{data['address']}"
    lines += [
        f"片区：{district_label(ctx, data['district'])}",
        place,
        f"情况：{data['description']}",
        f"诉求：{data['wish']}",
    ]
    if data.get("phone"):
        lines.append(f"电话：{data['phone']}")
    if photo_count(data):
        lines.append(f"图片：{photo_count(data)} 张")
    return "\n".join(lines)


def _submit(state: Conversation, data: Data, ctx: TurnContext) -> Turn:
    """File the complaint; the reply with its number is made once the case exists in this transaction."""
    unit = data.get("unit")
    effect = CreateCase(
        ref="case",
        intake_key=data[KEY],
        type=CaseType.COMPLAINT,
        category=data["category"],
        district=data["district"],
        address=data["address"],
        description=data["description"],
        wish=data["wish"],
        phone=None if data.get("anonymous") else data.get("phone"),
        anonymous=bool(data.get("anonymous")),
        named_unit=unit if unit and unit != UNKNOWN_UNIT else None,
        details={"attachments": list(data.get(ATTACHMENTS) or [])},
    )

    def then(outcomes: Outcomes) -> Turn:
        receipt: CaseReceipt = outcomes["case"]
        return Turn(state.idle(), (receipt_reply(receipt, "诉求"),))

    return Turn(state, (), (effect,), then)


complaint = Form(
    NAME,
    "诉求登记",
    FIELDS,
    _summary,
    _submit,
    intro="好的，帮您登记诉求，一共几个问题。随时可以点“返回”改上一步，点“取消”不登记。",
    prefill=_prefill,
)
