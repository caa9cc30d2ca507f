"""Case notices past the customer-service window, as WeChat template messages (模板消息,
`POST /cgi-bin/message/template/send`: touser, template_id, url, data {"keyword1": {"value": …}, …}).

The template is the county's own: added in the Official Account's admin (广告与服务 → 模板消息), its id and its
fields copied into the settings. Nothing here invents a template id or guesses field names; without them no
template message is sent, the notice stays undeliverable (查进度 shows it), and the start-up log and the admins'
banner say what to fill in.

ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS maps the template's fields to what a notice says, for example
"keyword1=number,keyword2=event,keyword3=time,remark=hint":
  number  the case number                      event  what happened (受理 / 答复 / 办结 …)
  time    when the notice was sent (Beijing)   hint   where to read it: the link, or 查进度 in the account
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.cases.workdays import CHINA_TZ

SOURCES = ("number", "event", "time", "hint")
HINT = "点此查看，或在公众号回复“查进度”。"
MAX_VALUE = 20  # characters: values kept short, so that they show in full
_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,31}")
_TEMPLATE_ID = re.compile(r"[A-Za-z0-9_-]{8,128}")
NOT_CONFIGURED = (
    "未配置微信模板消息：居民 48 小时内没有给公众号发消息时，案件进展无法推送（居民“查进度”时仍能看到）。"
    "请在公众号后台“模板消息”中添加案件进展通知模板，把模板 ID 和字段填入 "
    "ANJU_WECHAT_NOTICE_TEMPLATE_ID 与 ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS 后重启服务。"
)


class TemplateSettingsError(ValueError):
    """The template settings cannot be used; the message says which and why."""


@dataclass(frozen=True)
class NoticeTemplate:
    template_id: str
    fields: tuple[tuple[str, str], ...]  # (template field, source)

    @classmethod
    def from_settings(cls, template_id: str, fields: str) -> NoticeTemplate | None:
        """The configured template; None when neither setting is given; TemplateSettingsError when they are
        incomplete or malformed."""
        template_id, fields = template_id.strip(), fields.strip()
        if not template_id and not fields:
            return None
        if not _TEMPLATE_ID.fullmatch(template_id):
            raise TemplateSettingsError(
                "ANJU_WECHAT_NOTICE_TEMPLATE_ID 应是公众号后台显示的模板 ID（字母、数字、- 和 _）。"
            )
        pairs: list[tuple[str, str]] = []
        for part in filter(None, (p.strip() for p in fields.split(","))):
            name, eq, source = (x.strip() for x in part.partition("="))
            if not eq or not _FIELD.fullmatch(name) or source not in SOURCES:
                raise TemplateSettingsError(
                    f"ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS 中的 {part!r} 不对：应为 字段名=内容，内容取 "
                    f"{' / '.join(SOURCES)} 之一（例：keyword1=number,keyword2=event）。"
                )
            pairs.append((name, source))
        if not any(source in ("number", "event") for _, source in pairs):
            raise TemplateSettingsError(
                "ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS 至少要包含案件编号（number）或进展（event）。"
            )
        return cls(template_id, tuple(pairs))

    def body(self, openid: str, notice: Mapping[str, str], url: str, now: datetime) -> dict[str, Any]:
        local = now.astimezone(CHINA_TZ)
        values = {
            "number": notice.get("number", ""),
            "event": notice.get("event", ""),
            "time": f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}",
            "hint": HINT if url else "请在公众号回复“查进度”查看。",
        }
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": self.template_id,
            "data": {name: {"value": values[source][:MAX_VALUE]} for name, source in self.fields},
        }
        if url:
            body["url"] = url
        return body


def load_template(template_id: str, fields: str) -> tuple[NoticeTemplate | None, str]:
    """The template, and what staff should be told about it ("" when it is configured)."""
    try:
        template = NoticeTemplate.from_settings(template_id, fields)
    except TemplateSettingsError as exc:
        return None, f"微信模板消息设置有误，暂不发送：{exc}"
    return template, "" if template is not None else NOT_CONFIGURED
