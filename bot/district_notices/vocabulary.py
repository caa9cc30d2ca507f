"""The kinds of notice, the limits of one, and the button each notice carries to turn such notices off."""

from __future__ import annotations

from enum import StrEnum

from bot.core.button_ids import button_id
from bot.core.messages import Button, Channel


class NoticeKind(StrEnum):
    RESULTS = "results"  # 评估结果公示
    SELECTION = "selection"  # 选房通知
    DEADLINE = "deadline"  # 签约期限提醒
    OTHER = "other"


KIND_LABELS = {
    NoticeKind.RESULTS: "评估结果公示",
    NoticeKind.SELECTION: "选房通知",
    NoticeKind.DEADLINE: "签约期限提醒",
    NoticeKind.OTHER: "其他",
}
EVERY_DISTRICT = "all"  # the form's value for 全部片区
EVERY_DISTRICT_LABEL = "全部片区"
CHANNEL_LABELS: dict[str, str] = {
    Channel.WEB: "网页",
    Channel.TELEGRAM: "Telegram",
    Channel.WECHAT: "微信",
    Channel.CONSOLE: "终端",
}

# one WeChat text message is 2,048 bytes (about 680 Chinese characters): the title, the body and the closing lines
# fit in one, so a notice uses one message of the resident's WeChat window, not two
MAX_TITLE = 40
MAX_BODY = 500

BUTTON_KIND = "notices"
OFF_BUTTON = Button(button_id(BUTTON_KIND, "off"), "不再接收此类通知")
ON_BUTTON = Button(button_id(BUTTON_KIND, "on"), "重新接收通知")
OFF_WORDS_HINT = "不想再收到这类通知，回复“关闭通知”。"
