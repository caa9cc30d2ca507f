"""申请帮助 (义务搬家, 打包, 代办手续, 上门讲解): for whom, situation, services, district, address, preferred days,
phone, confirmation → a case number. Help requests get a higher priority and a 1-working-day contact deadline."""

from __future__ import annotations

from collections.abc import Sequence

from bot.cases.vocabulary import SERVICE_LABELS, SITUATION_LABELS, CaseType, Category, Service, Situation
from bot.core.port import CaseReceipt, Conversation, CreateCase, Outcomes, Turn, TurnContext
from handlers.case_fields import address_field, district_field, district_label, phone_field, receipt_reply, text_field
from handlers.form import ATTACHMENTS, KEY, Answer, Choice, Data, Field, Form, fixed, invalid, ok

NAME = "moving_help"
DONE = "done"
DONE_WORDS = frozenset({"选好了", "好了", "完成", "就这些", "没有了"})
RELATIONS = [
    ("child", "子女"),
    ("spouse", "配偶"),
    ("relative", "其他亲属"),
    ("neighbour", "邻居"),
    ("community", "社区或志愿者"),
]
DAYS = [("weekday", "工作日"), ("weekend", "周末"), ("any", "哪天都行")]


def _for_other(data: Data) -> bool:
    return data.get("for_whom") == "other"


def _for_whom(arg: str, data: Data, ctx: TurnContext) -> Answer:
    if arg == "self":
        return ok(for_whom="self", name=None, relation=None)
    return ok(for_whom="other")


def _relation_text(text: str, data: Data, ctx: TurnContext) -> Answer:
    if not 1 <= len(text) <= 10:
        return invalid("请用几个字说明您是他/她的什么人，例如：女儿、邻居。")
    return ok(relation=text)


async def _services(data: Data, ctx: TurnContext) -> Sequence[Choice]:
    chosen = set(data.get("services") or ())
    return [*((s.value, ("✓ " if s.value in chosen else "") + SERVICE_LABELS[s]) for s in Service), (DONE, "选好了")]


def _toggle(arg: str, data: Data, ctx: TurnContext) -> Answer:
    """Tick or untick one service; 选好了 moves on once at least one is ticked."""
    chosen = list(data.get("services") or ())
    if arg == DONE:
        return ok(services=chosen) if chosen else invalid("请至少选一项需要的帮助，再点“选好了”。")
    chosen = [s for s in chosen if s != arg] if arg in chosen else [*chosen, arg]
    labels = "、".join(SERVICE_LABELS[Service(s)] for s in chosen) or "还没有选"
    return Answer({"services": chosen}, stay=True, notice=f"已选：{labels}。可以接着选，选好了请点“选好了”。")


def _services_text(text: str, data: Data, ctx: TurnContext) -> Answer:
    if text in DONE_WORDS:
        return _toggle(DONE, data, ctx)
    named = [s.value for s in Service if SERVICE_LABELS[s] in text]
    if not named:
        return invalid("请点下面的按钮选择需要的帮助，可以多选。")
    chosen = list(dict.fromkeys([*(data.get("services") or ()), *named]))
    return Answer(
        {"services": chosen},
        stay=True,
        notice="已选：" + "、".join(SERVICE_LABELS[Service(s)] for s in chosen) + "。选好了请点“选好了”。",
    )


def _days_text(text: str, data: Data, ctx: TurnContext) -> Answer:
    if not 2 <= len(text) <= 50:
        return invalid("请简单说一下方便的时间，例如：周三上午、下周都行（最多 50 个字）。")
    return ok(days=text)


FIELDS = (
    Field(
        "for_whom",
        lambda data, ctx: "是给您自己申请，还是替家人或他人申请？",
        choices=fixed([("self", "给我自己申请"), ("other", "替家人或他人申请")]),
        on_choice=_for_whom,
    ),
    text_field("name", "需要帮助的人怎么称呼？例如：王大爷、李秀英。", "称呼", 1, 20, applies=_for_other),
    Field(
        "relation",
        lambda data, ctx: f"您是{data.get('name') or '他/她'}的什么人？",
        choices=fixed(RELATIONS),
        on_choice=lambda arg, data, ctx: ok(relation=dict(RELATIONS)[arg]),
        on_text=_relation_text,
        applies=_for_other,
    ),
    Field(
        "situation",
        lambda data, ctx: "需要帮助的人是什么情况？",
        choices=fixed([(s.value, SITUATION_LABELS[s]) for s in Situation]),
        on_choice=lambda arg, data, ctx: ok(situation=arg),
    ),
    Field(
        "services",
        lambda data, ctx: "需要哪些帮助？可以多选，选好了点“选好了”。",
        choices=_services,
        on_choice=_toggle,
        on_text=_services_text,
    ),
    district_field(prompt="住在哪个片区？"),
    address_field("请写下上门的具体地址（街道、门牌号），例如：西街12号2楼。也可以发送位置。"),
    Field(
        "days",
        lambda data, ctx: "哪些时间方便上门？也可以直接打字，例如：周三上午。",
        choices=fixed(DAYS),
        on_choice=lambda arg, data, ctx: ok(days=dict(DAYS)[arg]),
        on_text=_days_text,
    ),
    phone_field(prompt="请留一个联系电话，工作人员会先打电话和您约时间。"),
)


def _services_label(data: Data) -> str:
    return "、".join(SERVICE_LABELS[Service(s)] for s in data.get("services") or ())


def applicant(data: Data) -> str:
    """Who needs the help, and who applies for them: 王秀英（由子女代为申请） — the relation is the applicant's."""
    if data.get("for_whom") == "self":
        return "本人"
    return f"{data.get('name')}（由{data.get('relation')}代为申请）"


def _summary(data: Data, ctx: TurnContext) -> str:
    who = applicant(data)
    lines = [
        f"申请对象：{who}",
        f"情况：{SITUATION_LABELS[Situation(data['situation'])]}",
        f"需要的帮助：{_services_label(data)}",
        f"片区：{district_label(ctx, data['district'])}",
        f"地址：{data['address']}",
        f"方便的时间：{data['days']}",
        f"电话：{data['phone']}",
    ]
    return "\n".join(lines)


def _submit(state: Conversation, data: Data, ctx: TurnContext) -> Turn:
    """File the help request; the reply with its number is made once the case exists in this transaction."""
    who = "本人申请" if data.get("for_whom") == "self" else f"{data.get('relation')}代{data.get('name')}申请"
    situation = SITUATION_LABELS[Situation(data["situation"])]
    effect = CreateCase(
        ref="case",
        intake_key=data[KEY],
        type=CaseType.ASSISTANCE,
        category=Category.ASSISTANCE,
        district=data["district"],
        address=data["address"],
        description=f"{who}；情况：{situation}；方便时间：{data['days']}",
        wish=_services_label(data),
        phone=data["phone"],
        details={
            "for_whom": data.get("for_whom"),
            "name": data.get("name"),
            "relation": data.get("relation"),
            "situation": data["situation"],
            "services": list(data.get("services") or ()),
            "preferred_days": data["days"],
            "attachments": list(data.get(ATTACHMENTS) or []),
        },
    )

    def then(outcomes: Outcomes) -> Turn:
        receipt: CaseReceipt = outcomes["case"]
        return Turn(state.idle(), (receipt_reply(receipt, "帮助申请"),))

    return Turn(state, (), (effect,), then)


assistance = Form(
    NAME,
    "帮助申请",
    FIELDS,
    _summary,
    _submit,
    intro="好的，帮您申请上门帮助（义务搬家、打包、代办手续、上门讲解政策），也可以替家里老人申请。"
    "随时可以点“返回”改上一步，点“取消”不申请。",
)
