"""Tables of the dialogue side: residents, their dialogue state, processed inbound ids, the message log,
feedback, the questions curators still have to answer, and who turned notices to a district off."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId


class Resident(Base):
    """One person on one channel (a Telegram chat, a WeChat openid, a web session)."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "user_key", name="uq_residents_channel_user"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]  # to the hour (refreshed when an hour old); the exact time: dialogue_states


class DistrictNoticeOptOut(Base):
    """A resident who said 关闭通知 (or tapped 不再接收此类通知): notices to a district skip them until they say
    打开通知 (bot/district_notices/). Notices about their own cases still reach them."""

    __tablename__ = "district_notice_optouts"

    resident_id: Mapped[int] = mapped_column(BigId, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    turned_off_at: Mapped[datetime]


class DialogueState(Base):
    """Where a resident is in the conversation; locked while one of their messages is handled."""

    __tablename__ = "dialogue_states"

    resident_id: Mapped[int] = mapped_column(BigId, ForeignKey("residents.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


class ProcessedInbound(Base):
    """An inbound message already handled, committed together with its effects (idempotency)."""

    __tablename__ = "processed_inbound"
    __table_args__ = (Index("ix_processed_inbound_processed_at", "processed_at"),)  # pruned by age (migration 0006)

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    resident_id: Mapped[int] = mapped_column(BigId, ForeignKey("residents.id", ondelete="CASCADE"))
    replies: Mapped[dict[str, Any]]
    processed_at: Mapped[datetime]


class MessageLog(Base):
    """Every message in and out, for case history and curators."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_resident", "resident_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(BigId, ForeignKey("residents.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(String(3))  # "in" | "out"
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class Feedback(Base):
    """A resident's 有用 / 没用 on one answer."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_topic", "topic_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    resident_id: Mapped[int] = mapped_column(BigId, ForeignKey("residents.id", ondelete="CASCADE"))
    topic_id: Mapped[str] = mapped_column(String(64))
    helpful: Mapped[bool] = mapped_column(Boolean)
    question: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class UnansweredQuestion(Base):
    """A question the bot could not answer, or whose answer was marked 没用: normalised and counted."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (UniqueConstraint("normalised", "reason", name="uq_unanswered_normalised_reason"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    normalised: Mapped[str] = mapped_column(String(500))
    reason: Mapped[str] = mapped_column(String(16))  # "abstain" | "unhelpful"
    sample: Mapped[str] = mapped_column(Text)
    topic_id: Mapped[str | None] = mapped_column(String(64))
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
