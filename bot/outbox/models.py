"""Tables of the outbox: messages waiting to leave, and the web chat's inbox they are delivered into."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId, JsonType
from bot.db.types import UtcDateTime


class OutboxMessage(Base):
    """One message to one person on one channel, written in the transaction of the change that causes it.

    status: pending → sending (leased until `next_attempt_at`) → delivered | failed | undeliverable;
    a failed attempt goes back to pending with a later `next_attempt_at`."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    resident_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("residents.id", ondelete="SET NULL"))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)  # Outbound.to_json()
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # undeliverable: why, in the resident's words, when the channel said (查进度 shows it; e.g. not subscribed)
    resident_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class WebInboxMessage(Base):
    """A message delivered to a web chat session; the page polls `GET /api/chat/updates`.

    `outbox_id` is unique: delivering the same outbox row again is a no-op (the web sender deduplicates)."""

    __tablename__ = "web_inbox"
    __table_args__ = (Index("ix_web_inbox_session", "user_key", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    outbox_id: Mapped[int | None] = mapped_column(BigId, unique=True)  # None: sent directly, not via the outbox
    user_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
