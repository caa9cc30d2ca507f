"""What residents are told when their case changes (sent through the outbox to the channel they filed from)."""

from __future__ import annotations

from datetime import datetime

from bot.cases.vocabulary import RATING_LABELS, Rating
from bot.cases.workdays import format_due
from bot.core.button_ids import button_id
from bot.core.messages import Button, Outbound

STATUS_BUTTON = Button("intent:status", "查进度")
MENU_BUTTON = Button("menu", "返回菜单")


def _notice(number: str, event: str) -> tuple[tuple[str, str], ...]:
    """What a WeChat template message says of the notice when the customer-service window is closed."""
    return (("number", number), ("event", event))


def rating_buttons(number: str) -> tuple[Button, ...]:
    """满意 / 基本满意 / 不满意 on the case `number` (handlers/rating.py takes the tap)."""
    return tuple(Button(button_id("rate", number, r.value), RATING_LABELS[r]) for r in Rating)


def accepted(number: str, department: str, finish_due: datetime | None) -> Outbound:
    due = f"\n办结期限：{format_due(finish_due)}。" if finish_due else ""
    return Outbound(
        f"您登记的事项（编号 {number}）已由{department}受理，承办人会尽快与您联系。{due}",
        (STATUS_BUTTON,),
        notice=_notice(number, f"已由{department}受理"),
    )


def replied(number: str, text: str) -> Outbound:
    return Outbound(
        f"【工作人员答复】编号 {number}\n{text}", (STATUS_BUTTON, MENU_BUTTON), notice=_notice(number, "工作人员已答复")
    )


def extended(number: str, days: int, reason: str, finish_due: datetime) -> Outbound:
    return Outbound(
        f"您登记的事项（编号 {number}）情况较复杂，办理期限延长 {days} 天，新的办结期限为{format_due(finish_due)}。\n"
        f"延期原因：{reason}",
        (STATUS_BUTTON,),
        notice=_notice(number, f"办理期限延长 {days} 天"),
    )


def resolved(number: str, result: str) -> Outbound:
    return Outbound(
        f"您登记的事项（编号 {number}）已办结。\n办理结果：{result}\n\n请您对办理情况作个评价：",
        rating_buttons(number),
        notice=_notice(number, "已办结，请评价"),
    )


def merged(number: str) -> Outbound:
    return Outbound(
        f"您登记的事项（编号 {number}）与其他居民反映的同一事项合并办理，办理结果会在这里告诉您。",
        (STATUS_BUTTON,),
        notice=_notice(number, "已与同一事项合并办理"),
    )


def merged_resolved(number: str, result: str) -> Outbound:
    return Outbound(
        f"与您的事项（编号 {number}）合并办理的事项已办结。\n办理结果：{result}\n\n请您对办理情况作个评价：",
        rating_buttons(number),
        notice=_notice(number, "合并办理的事项已办结，请评价"),
    )


def reopened(number: str, finish_due: datetime | None) -> Outbound:
    due = f"新的办结期限为{format_due(finish_due)}。" if finish_due else ""
    return Outbound(
        f"您登记的事项（编号 {number}）已重新交办，承办单位会再次办理。{due}",
        (STATUS_BUTTON,),
        notice=_notice(number, "已重新交办"),
    )
