"""What staff read in the delivery report for each outcome of an outbox row: the errors the channels' senders record
(bot/channels/telegram/sender.py, bot/channels/wechat/sender.py and window.py), sorted into sent / failed /
undeliverable / waiting, with the reason in Chinese and the platform's code."""

from __future__ import annotations

import pytest

from bot.channels.wechat.sender import UNDELIVERABLE
from bot.channels.wechat.window import QUOTA_USED
from bot.district_notices.reasons import Outcome, outcome_of
from bot.outbox.worker import UNKNOWN_OUTCOME


@pytest.mark.parametrize(
    ("status", "error", "outcome", "reason"),
    [
        ("delivered", None, Outcome.SENT, ""),
        (None, None, Outcome.SKIPPED, "居民已回复“关闭通知”"),
        ("pending", None, Outcome.WAITING, ""),
        ("pending", "telegram flood control", Outcome.WAITING, "正在重试：Telegram 暂时无法发送（网络或限流）"),
        (
            "undeliverable",
            "telegram: Forbidden: bot was blocked by the user",
            Outcome.FAILED,
            "居民已屏蔽机器人（Telegram 403）",
        ),
        ("undeliverable", "telegram: Bad Request: chat not found", Outcome.FAILED, "Telegram 找不到这个聊天（400）"),
        (
            "undeliverable",
            "wechat: no message from the resident for 48 h",
            Outcome.UNDELIVERABLE,
            "居民超过 48 小时没有给公众号发消息，微信不允许再发客服消息",
        ),
        (
            "undeliverable",
            "wechat: the resident never wrote to the account",
            Outcome.UNDELIVERABLE,
            "居民从未给公众号发过消息，微信不允许主动发送",
        ),
        (
            "undeliverable",
            UNDELIVERABLE[45015],
            Outcome.UNDELIVERABLE,
            "居民超过 48 小时没有给公众号发消息，微信不允许再发客服消息（45015）",
        ),
        (
            "undeliverable",
            UNDELIVERABLE[45047],
            Outcome.UNDELIVERABLE,
            "本次 48 小时内可发的客服消息条数已用完（45047）",
        ),
        ("undeliverable", QUOTA_USED, Outcome.UNDELIVERABLE, "本次 48 小时内可发的客服消息条数已用完"),
        ("undeliverable", UNDELIVERABLE[43004], Outcome.FAILED, "居民已取消关注公众号（43004）"),
        ("undeliverable", UNDELIVERABLE[43019], Outcome.FAILED, "居民已将公众号拉黑（43019）"),
        ("failed", UNKNOWN_OUTCOME, Outcome.FAILED, "发送中断，无法确认是否送达；为免重复，没有再发"),
        ("failed", "wechat errcode -1", Outcome.FAILED, "多次重试仍未成功（微信返回错误（-1））"),
        ("failed", "telegram: Timed out", Outcome.FAILED, "多次重试仍未成功（Telegram 暂时无法发送（网络或限流））"),
    ],
)
def test_each_outcome_and_its_reason(status: str | None, error: str | None, outcome: Outcome, reason: str) -> None:
    assert outcome_of(status, error) == (outcome, reason)


def test_a_channel_without_a_sender_waits_and_says_so() -> None:
    assert outcome_of("pending", "no sender for channel telegram", channel_ready=False) == (
        Outcome.WAITING,
        "这个渠道还没有配置，配置后自动发送",
    )


def test_no_secret_reaches_the_reason() -> None:
    """An unknown error is summarised by its channel and code, never echoed (it could carry a token or a URL)."""
    outcome, reason = outcome_of("failed", "wechat custom/send: ClientError https://api?access_token=SECRET123")
    assert outcome is Outcome.FAILED and "SECRET123" not in reason and "access_token" not in reason
