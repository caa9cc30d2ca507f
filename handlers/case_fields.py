"""Fields and texts the case forms share: district, address, free text, phone, and the receipt after filing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.cases.phones import normalise_phone
from bot.cases.vocabulary import UNKNOWN_DISTRICT
from bot.cases.workdays import format_due
from bot.core.messages import Button, Outbound
from bot.core.port import CaseReceipt, TurnContext
from handlers.form import Answer, Choice, Data, Field, invalid, ok
from handlers.menu import MENU_BUTTON

STATUS_BUTTON = Button("intent:status", "查进度")
MIN_ADDRESS, MAX_ADDRESS = 4, 100
PHONE_HELP = "请输入11位手机号（如 13812345678），或带区号的固定电话（如 0571-87654321）。"


def district_label(ctx: TurnContext, district: str) -> str:
    for d in ctx.kb.params.get("districts", ()):
        if d["id"] == district:
            return str(d["name"])
    return "不清楚"


def district_field(name: str = "district", prompt: str = "在哪个片区？") -> Field:
    async def choices(data: Data, ctx: TurnContext) -> Sequence[Choice]:
        return [*((d["id"], d["name"]) for d in ctx.kb.params.get("districts", ())), (UNKNOWN_DISTRICT, "不清楚")]

    return Field(name, lambda data, ctx: prompt, choices=choices, on_choice=lambda arg, data, ctx: ok(**{name: arg}))


def text_field(
    name: str,
    prompt: str,
    what: str,
    minimum: int,
    maximum: int,
    example: str = "",
    location: bool = False,
    applies: Callable[[Data], bool] | None = None,
) -> Field:
    """A typed answer of `minimum`–`maximum` characters."""

    def take(text: str, data: Data, ctx: TurnContext) -> Answer:
        text = " ".join(text.split())
        if len(text) < minimum:
            hint = f"，例如：{example}" if example else ""
            return invalid(f"{what}太短了，请写得具体一些（至少 {minimum} 个字）{hint}。")
        if len(text) > maximum:
            return invalid(f"{what}太长了（最多 {maximum} 个字，您写了 {len(text)} 个字），请精简一下再发。")
        return ok(**{name: text})

    extra: dict[str, Any] = {"applies": applies} if applies is not None else {}
    return Field(name, lambda data, ctx: prompt, on_text=take, accepts_location=location, **extra)


def address_field(prompt: str = "请写下具体地址（街道、门牌号），例如：东关街18号3单元。也可以发送位置。") -> Field:
    return text_field("address", prompt, "地址", MIN_ADDRESS, MAX_ADDRESS, "东关街18号", location=True)


def phone_field(
    applies: Callable[[Data], bool] | None = None, prompt: str = "请留一个联系电话，工作人员会打这个电话联系您。"
) -> Field:
    def take(text: str, data: Data, ctx: TurnContext) -> Answer:
        phone = normalise_phone(text)
        if phone is None:
            return invalid(f"“{text[:20]}”不是有效的电话号码。{PHONE_HELP}")
        return ok(phone=phone)

    extra: dict[str, Any] = {"applies": applies} if applies is not None else {}
    return Field("phone", lambda data, ctx: f"{prompt}\n{PHONE_HELP}", on_text=take, **extra)


def receipt_reply(receipt: CaseReceipt, what: str) -> Outbound:
    """What the resident reads once the case is committed: the number, who handles it, by when."""
    if receipt.daily_limit is not None:
        return Outbound(
            f"这次没有登记：每人24小时内最多在这里登记{receipt.daily_limit}件，您已经登记了"
            f"{receipt.daily_limit}件。已登记的事项工作人员会逐件办理，点“查进度”可以查看。\n"
            "如果有新的急事，请拨打政务服务便民热线，或到征收服务站，工作人员可以帮您登记。"
            "如有人身危险，请立即拨打 110。",
            (STATUS_BUTTON, MENU_BUTTON),
        )
    if not receipt.created:
        return Outbound(
            f"这份{what}已经提交过了，编号：{receipt.number}。不会重复登记。点“查进度”可随时查看。",
            (STATUS_BUTTON, MENU_BUTTON),
        )
    lines = [f"已登记！编号：{receipt.number}", "请记下这个编号，点“查进度”可以随时查看办理情况。"]
    if receipt.department:
        lines.append(f"承办单位：{receipt.department}")
    if receipt.urgent:
        lines.append("这是紧急事项，工作人员会在几个小时内处理。如有人身危险，请立即拨打 110。")
    if receipt.reply_due:
        lines.append(f"答复期限：{format_due(receipt.reply_due)}前")
    if receipt.finish_due:
        lines.append(f"办结期限：{format_due(receipt.finish_due)}前")
    lines.append("工作人员的答复会发到这里。")
    return Outbound("\n".join(lines), (STATUS_BUTTON, MENU_BUTTON))
