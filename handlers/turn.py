"""The values a step function reads and returns: dialogue state, context, effects and the resulting turn."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.core.messages import Outbound
from knowledge.base import KnowledgeBase


@dataclass(frozen=True)
class Conversation:
    """Where one resident is: an active flow and its step and answers so far, plus the last topic shown."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    last_topic: str | None = None
    last_question: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "data": self.data,
            "last_topic": self.last_topic,
            "last_question": self.last_question,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conversation:
        data = data or {}
        return cls(
            flow=data.get("flow"),
            step=data.get("step"),
            data=dict(data.get("data") or {}),
            last_topic=data.get("last_topic"),
            last_question=data.get("last_question"),
        )

    def idle(self) -> Conversation:
        """The same resident with no active flow."""
        return replace(self, flow=None, step=None, data={})


@dataclass(frozen=True)
class TurnContext:
    kb: KnowledgeBase
    now: datetime


@dataclass(frozen=True)
class RecordGap:
    """Remember a question for the curators (reason: "abstain" or "unhelpful")."""

    question: str
    reason: str
    topic_id: str | None = None


@dataclass(frozen=True)
class RecordFeedback:
    topic_id: str
    helpful: bool
    question: str


Effect = RecordGap | RecordFeedback


@dataclass(frozen=True)
class Turn:
    state: Conversation
    replies: tuple[Outbound, ...]
    effects: tuple[Effect, ...] = ()
