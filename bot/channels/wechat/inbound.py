"""A WeChat message or event (parsed XML fields) → Inbound.

Dedupe: MsgId for messages; FromUserName + CreateTime (with the event and its key) for events, which carry no
MsgId."""

from __future__ import annotations

import hashlib
import re

from bot.core.messages import Channel, Inbound, InboundKind
from knowledge.text import clean_input

NUMBER = re.compile(r"^\s*(\d{1,2})\s*[.。、]?\s*$")


def typed_number(fields: dict[str, str]) -> int | None:
    """The number a resident typed to pick a listed button ("2", "2。"), if the message is just that."""
    if fields.get("MsgType") != "text":
        return None
    match = NUMBER.match(fields.get("Content", ""))
    return int(match.group(1)) if match else None


def to_inbound(fields: dict[str, str], max_chars: int, shown: list[str] | None = None) -> Inbound | None:
    """`shown`: ids of the buttons the resident was last shown, in their numbered order."""
    openid = fields.get("FromUserName", "")
    kind = fields.get("MsgType", "")
    if not openid or len(openid) > 128:
        return None
    if kind == "event":
        return _event(fields, openid)
    msg_id = fields.get("MsgId") or f"{openid}:{fields.get('CreateTime', '')}"
    key = f"msg:{msg_id}"[:128]

    def inbound(kind: InboundKind, text: str = "", **payload: object) -> Inbound:
        return Inbound(Channel.WECHAT, openid, key, kind, text, dict(payload))

    if kind == "text":
        number = typed_number(fields)
        if number is not None and shown and 1 <= number <= len(shown):
            return inbound(InboundKind.BUTTON, shown[number - 1], typed=str(number))
        return inbound(InboundKind.TEXT, clean_input(fields.get("Content", ""), max_chars))
    if kind == "voice":  # with speech recognition on, WeChat sends the words: they count as typed
        recognised = clean_input(fields.get("Recognition", ""), max_chars)
        if recognised:
            return inbound(InboundKind.VOICE, recognised)
        # without them (the field is announced for removal) the channel fetches the file and has it transcribed
        return inbound(
            InboundKind.VOICE, "", media_id=fields.get("MediaId", "")[:256], format=fields.get("Format", "")[:16]
        )
    if kind == "location":
        lat, lon, label = fields.get("Location_X", ""), fields.get("Location_Y", ""), fields.get("Label", "")
        try:
            latitude, longitude = float(lat), float(lon)
        except ValueError:
            return inbound(InboundKind.TEXT, "", unsupported="location")
        text = f"位置：{latitude:.6f},{longitude:.6f}"
        label = clean_input(label, 200)
        if label:
            text += f"（{label}）"
        return inbound(InboundKind.LOCATION, text, latitude=latitude, longitude=longitude, address=label)
    if kind == "image":
        # file_id: what forms keep as evidence (WeChat's MediaId; the picture itself stays with WeChat for 3 days)
        return inbound(
            InboundKind.IMAGE, "", file_id=fields.get("MediaId", "")[:256], pic_url=fields.get("PicUrl", "")[:1024]
        )
    return inbound(InboundKind.TEXT, "", unsupported=kind[:32])  # video, link, file …: the core asks for text


def _event(fields: dict[str, str], openid: str) -> Inbound | None:
    event = fields.get("Event", "").lower()
    # WeChat retries an event with the same sender and CreateTime; the event and its key tell apart two taps
    # of different menu items within one second
    key = f"ev:{openid}:{fields.get('CreateTime', '')}:{event}:{fields.get('EventKey', '')}"
    if len(key) > 128:
        key = "ev:" + hashlib.sha256(key.encode()).hexdigest()
    if event == "subscribe":
        return Inbound(Channel.WECHAT, openid, key, InboundKind.START, "", {"event": "subscribe"})
    if event == "click":
        return Inbound(
            Channel.WECHAT, openid, key, InboundKind.BUTTON, fields.get("EventKey", "")[:128], {"event": "click"}
        )
    return None  # unsubscribe, VIEW (a link), SCAN, LOCATION reports …: nothing to answer
