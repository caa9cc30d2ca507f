"""Case notices past the customer-service window, as WeChat template messages (模板消息,
`POST /cgi-bin/message/template/send`: touser, template_id, url, data {"keyword1": {"value": …}, …}) or, when
ANJU_WECHAT_NOTICE_KIND=subscribe, as subscribe notices (订阅通知, `POST /cgi-bin/message/subscribe/bizsend`:
touser, template_id, page — the link —, data {"thing2": {"value": …}, …}; developers.weixin.qq.com, 服务号 API
"发送订阅通知" sendNewSubscribeMsg). A subscribe notice reaches only a resident who subscribed to that template in
the account; otherwise WeChat answers 43101 and the notice is undeliverable, told to the resident in 查进度.

The template is the county's own: added in the Official Account's admin (广告与服务 → 模板消息), its id and its
fields copied into the settings. Nothing here invents a template id or guesses field names; without them no
template message is sent, the notice stays undeliverable (查进度 shows it), and the start-up log and the admins'
banner say what to fill in.

ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS maps the template's fields to what a notice says, for example
"keyword1=number,keyword2=event,keyword3=time,remark=hint":
  number  the case number                      event  what happened (受理 / 答复 / 办结 …)
  time    when the notice was sent (Beijing)   hint   where to read it: the link, or 查进度 in the account
ANJU_WECHAT_SUBSCRIBE_TEMPLATE_FIELDS does the same for a subscribe template, whose field names carry their type
(thing ≤ 20 characters, character_string ≤ 32 digits, letters or symbols, time / date "2019年10月1日 15:01", as
the same documentation lists them): number goes into a character_string or thing field, event and hint into a
thing field, time into a time or date field — a mapping that WeChat would refuse (47003) is refused here first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
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
SUBSCRIBE_NOT_CONFIGURED = (
    "已选用微信订阅通知（ANJU_WECHAT_NOTICE_KIND=subscribe），但未配置订阅通知模板：居民 48 小时内没有给公众号发消息时，"
    "案件进展无法推送（居民“查进度”时仍能看到）。请在公众号后台“订阅通知”中选用案件进展通知模板，把模板 ID 和字段填入 "
    "ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID 与 ANJU_WECHAT_SUBSCRIBE_TEMPLATE_FIELDS 后重启服务；居民还需在公众号里订阅该通知。"
)
# a subscribe template's field: its type and number ("thing2"); which types each part of a notice fits
_SUBSCRIBE_FIELD = re.compile(r"(thing|character_string|time|date|phrase|number|letter|symbol|amount|name)(\d{1,3})")
SUBSCRIBE_TYPES = {
    "number": ("character_string", "thing"),
    "event": ("thing",),
    "time": ("time", "date"),
    "hint": ("thing",),
}
SUBSCRIBE_LIMITS = {"thing": 20, "character_string": 32}  # characters (time / date: the format above)


class NoticeKind(StrEnum):
    TEMPLATE = "template"  # 模板消息
    SUBSCRIBE = "subscribe"  # 订阅通知


_SETTINGS = {
    NoticeKind.TEMPLATE: ("ANJU_WECHAT_NOTICE_TEMPLATE_ID", "ANJU_WECHAT_NOTICE_TEMPLATE_FIELDS"),
    NoticeKind.SUBSCRIBE: ("ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID", "ANJU_WECHAT_SUBSCRIBE_TEMPLATE_FIELDS"),
}


class TemplateSettingsError(ValueError):
    """The template settings cannot be used; the message says which and why."""


@dataclass(frozen=True)
class NoticeTemplate:
    template_id: str
    fields: tuple[tuple[str, str], ...]  # (template field, source)
    kind: NoticeKind = NoticeKind.TEMPLATE

    @property
    def path(self) -> str:
        """The API the notice is posted to."""
        return (
            "/cgi-bin/message/template/send"
            if self.kind == NoticeKind.TEMPLATE
            else "/cgi-bin/message/subscribe/bizsend"
        )

    @property
    def settings_names(self) -> tuple[str, str]:
        return _SETTINGS[self.kind]

    @classmethod
    def from_settings(
        cls, template_id: str, fields: str, kind: NoticeKind = NoticeKind.TEMPLATE
    ) -> NoticeTemplate | None:
        """The configured template; None when neither setting is given; TemplateSettingsError when they are
        incomplete or malformed."""
        id_name, fields_name = _SETTINGS[kind]
        template_id, fields = template_id.strip(), fields.strip()
        if not template_id and not fields:
            return None
        if not _TEMPLATE_ID.fullmatch(template_id):
            raise TemplateSettingsError(f"{id_name} 应是公众号后台显示的模板 ID（字母、数字、- 和 _）。")
        example = (
            "keyword1=number,keyword2=event" if kind == NoticeKind.TEMPLATE else "character_string1=number,thing2=event"
        )
        pairs: list[tuple[str, str]] = []
        for part in filter(None, (p.strip() for p in fields.split(","))):
            name, eq, source = (x.strip() for x in part.partition("="))
            if not eq or not _FIELD.fullmatch(name) or source not in SOURCES:
                raise TemplateSettingsError(
                    f"{fields_name} 中的 {part!r} 不对：应为 字段名=内容，内容取 "
                    f"{' / '.join(SOURCES)} 之一（例：{example}）。"
                )
            if kind == NoticeKind.SUBSCRIBE:
                typed = _SUBSCRIBE_FIELD.fullmatch(name)
                if typed is None or typed.group(1) not in SUBSCRIBE_TYPES[source]:
                    fits = " / ".join(f"{t}N" for t in SUBSCRIBE_TYPES[source])
                    raise TemplateSettingsError(
                        f"{fields_name} 中的 {part!r} 不对：订阅通知的字段类型要与内容相符，{source} 只能填入 "
                        f"{fits} 字段（字段名见公众号后台该模板的详情）。"
                    )
            pairs.append((name, source))
        if not any(source in ("number", "event") for _, source in pairs):
            raise TemplateSettingsError(f"{fields_name} 至少要包含案件编号（number）或进展（event）。")
        return cls(template_id, tuple(pairs), kind)

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
            "data": {name: {"value": values[source][: self._limit(name)]} for name, source in self.fields},
        }
        if url:
            body["url" if self.kind == NoticeKind.TEMPLATE else "page"] = url
        return body

    def _limit(self, name: str) -> int:
        if self.kind == NoticeKind.TEMPLATE:
            return MAX_VALUE
        typed = _SUBSCRIBE_FIELD.fullmatch(name)
        return SUBSCRIBE_LIMITS.get(typed.group(1) if typed else "", MAX_VALUE)


def load_template(
    template_id: str, fields: str, kind: NoticeKind = NoticeKind.TEMPLATE
) -> tuple[NoticeTemplate | None, str]:
    """The template, and what staff should be told about it ("" when it is configured)."""
    label = "微信模板消息" if kind == NoticeKind.TEMPLATE else "微信订阅通知"
    try:
        template = NoticeTemplate.from_settings(template_id, fields, kind)
    except TemplateSettingsError as exc:
        return None, f"{label}设置有误，暂不发送：{exc}"
    if template is not None:
        return template, ""
    return None, NOT_CONFIGURED if kind == NoticeKind.TEMPLATE else SUBSCRIBE_NOT_CONFIGURED
