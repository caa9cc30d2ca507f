"""One recipient's outcome, read from their outbox row, and why — in Chinese, with the platform's error code.

- sent: the channel took it;
- undeliverable: the platform's rules forbid the message now (WeChat: more than 48 hours since the resident last
  wrote, never wrote, or the window's messages used up) — the resident can still get news by writing to the account;
- failed: the channel refused it for good (blocked the bot, unsubscribed, unknown chat), or it could not be sent
  after every retry, or its outcome is unknown (not resent, so never twice);
- waiting: queued, being sent or retried;
- skipped: the resident turned such notices off (no outbox row)."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.outbox.enqueue import OutboxStatus
from bot.outbox.worker import UNKNOWN_OUTCOME


class Outcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    WAITING = "waiting"
    SKIPPED = "skipped"


OUTCOME_LABELS = {
    Outcome.SENT: "已送达",
    Outcome.FAILED: "发送失败",
    Outcome.UNDELIVERABLE: "无法送达",
    Outcome.WAITING: "等待发送",
    Outcome.SKIPPED: "已关闭通知，未发送",
}
_HOURS = re.compile(r"for (\d+) h")
# (pattern in the outbox's last_error, outcome, what staff read); the first that matches
_KNOWN: tuple[tuple[str, Outcome, str], ...] = (
    ("45015", Outcome.UNDELIVERABLE, "居民超过 48 小时没有给公众号发消息，微信不允许再发客服消息（45015）"),
    ("45047", Outcome.UNDELIVERABLE, "本次 48 小时内可发的客服消息条数已用完（45047）"),
    ("message quota of this window", Outcome.UNDELIVERABLE, "本次 48 小时内可发的客服消息条数已用完"),
    ("never wrote to the account", Outcome.UNDELIVERABLE, "居民从未给公众号发过消息，微信不允许主动发送"),
    ("43004", Outcome.FAILED, "居民已取消关注公众号（43004）"),
    ("43019", Outcome.FAILED, "居民已将公众号拉黑（43019）"),
    ("40003", Outcome.FAILED, "微信不认识这个用户（40003：openid 无效）"),
    ("45002", Outcome.FAILED, "消息过长，微信拒收（45002）"),
    ("errcode 40037", Outcome.FAILED, "微信模板消息设置有误（40037）"),
    ("bot was blocked by the user", Outcome.FAILED, "居民已屏蔽机器人（Telegram 403）"),
    ("user is deactivated", Outcome.FAILED, "居民的 Telegram 账号已注销（403）"),
    ("telegram: Forbidden", Outcome.FAILED, "Telegram 拒绝发送（403）"),
    ("chat not found", Outcome.FAILED, "Telegram 找不到这个聊天（400）"),
    ("chat moved", Outcome.FAILED, "Telegram 聊天已迁移（400）"),
    ("not a Telegram chat id", Outcome.FAILED, "不是有效的 Telegram 聊天编号"),
    (UNKNOWN_OUTCOME, Outcome.FAILED, "发送中断，无法确认是否送达；为免重复，没有再发"),
)


def outcome_of(status: str | None, last_error: str | None, channel_ready: bool = True) -> tuple[Outcome, str]:
    """The outcome of an outbox row (`status` None: no row — the resident was skipped) and the reason to show."""
    if status is None:
        return Outcome.SKIPPED, "居民已回复“关闭通知”"
    if status == OutboxStatus.DELIVERED:
        return Outcome.SENT, ""
    error = last_error or ""
    if status in (OutboxStatus.PENDING, OutboxStatus.SENDING):
        if not channel_ready:
            return Outcome.WAITING, "这个渠道还没有配置，配置后自动发送"
        return Outcome.WAITING, f"正在重试：{_known(error)[1]}" if error else ""
    outcome, reason = _known(error)
    if status == OutboxStatus.UNDELIVERABLE:
        if "no message from the resident" in error:
            hours = _HOURS.search(error)
            return Outcome.UNDELIVERABLE, (
                f"居民超过 {hours.group(1) if hours else 48} 小时没有给公众号发消息，微信不允许再发客服消息"
            )
        return (outcome or Outcome.FAILED), reason
    return Outcome.FAILED, reason if outcome is not None else f"多次重试仍未成功（{reason}）"


def _known(error: str) -> tuple[Outcome | None, str]:
    for pattern, outcome, reason in _KNOWN:
        if pattern in error:
            return outcome, reason
    return None, _generic(error)


def _generic(error: str) -> str:
    """An error no rule knows: its code, if it has one, without anything that could be a secret."""
    code = re.search(r"errcode (-?\d+)|(\d{3})", error)
    if "wechat" in error:
        return f"微信返回错误{f'（{code.group(1) or code.group(2)}）' if code else ''}"
    if "telegram" in error:
        return "Telegram 暂时无法发送（网络或限流）"
    if "no sender" in error:
        return "这个渠道还没有配置"
    return "渠道暂时无法发送"
