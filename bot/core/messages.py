"""What adapters hand to the core (Inbound) and what they render (Outbound)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Channel(StrEnum):
    WEB = "web"
    CONSOLE = "console"
    TELEGRAM = "telegram"
    WECHAT = "wechat"


class InboundKind(StrEnum):
    TEXT = "text"
    BUTTON = "button"
    LOCATION = "location"
    VOICE = "voice"
    IMAGE = "image"
    START = "start"  # a new conversation: /start, subscribe event, first page load


@dataclass(frozen=True)
class Inbound:
    channel: Channel
    user_key: str
    dedupe_key: str
    kind: InboundKind
    text: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Button:
    id: str
    label: str


@dataclass(frozen=True)
class Link:
    """A page of this site to open (e.g. /calc with the resident's answers): `href` is a path, never a full URL.
    The web chat shows it as a link; channels without a page address leave it out."""

    label: str
    href: str


@dataclass(frozen=True)
class Outbound:
    text: str
    buttons: tuple[Button, ...] = ()
    links: tuple[Link, ...] = ()
    # the facts of a case notice, for channels that send notices as structured messages (WeChat template
    # messages past the 48-hour window): ("number", "AJ-2026-000123"), ("event", "工作人员已答复") …
    notice: tuple[tuple[str, str], ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "buttons": [{"id": b.id, "label": b.label} for b in self.buttons]}
        if self.links:
            data["links"] = [{"label": link.label, "href": link.href} for link in self.links]
        if self.notice:
            data["notice"] = [[name, value] for name, value in self.notice]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outbound:
        return cls(
            data["text"],
            tuple(Button(b["id"], b["label"]) for b in data.get("buttons", ())),
            tuple(Link(link["label"], link["href"]) for link in data.get("links", ())),
            tuple((str(name), str(value)) for name, value in data.get("notice", ())),
        )
