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
    channel: str
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
class Outbound:
    text: str
    buttons: tuple[Button, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [{"id": b.id, "label": b.label} for b in self.buttons]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outbound:
        return cls(data["text"], tuple(Button(b["id"], b["label"]) for b in data.get("buttons", ())))
