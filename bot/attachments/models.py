"""The `attachments` table: a file a resident sent, by an unguessable id (the staff page's URLs carry it, and every
request for it checks that the viewer may see the case it belongs to)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class Attachment(Base):
    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint("channel", "message_key", name="uq_attachments_message"),
        Index("ix_attachments_retry", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # secrets.token_urlsafe: never a counter
    channel: Mapped[str] = mapped_column(String(16))
    user_key: Mapped[str] = mapped_column(String(128))
    message_key: Mapped[str] = mapped_column(String(160))  # the inbound message: a channel's retry finds the same row
    kind: Mapped[str] = mapped_column(String(8))  # image | voice
    source: Mapped[str] = mapped_column(String(512))  # the channel's reference (WeChat MediaId, Telegram file_id)
    status: Mapped[str] = mapped_column(String(12))  # pending | stored | failed | refused
    error: Mapped[str] = mapped_column(String(300), default="")  # why not stored, in words for the staff page
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    content_type: Mapped[str] = mapped_column(String(64), default="")
    size: Mapped[int] = mapped_column(Integer, default=0)  # bytes as stored
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    fetch_before: Mapped[datetime | None]  # the channel deletes the file after this (WeChat: 3 days)
    next_attempt_at: Mapped[datetime | None]
    stored_at: Mapped[datetime | None]
