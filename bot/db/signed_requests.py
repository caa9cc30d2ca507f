"""Signed webhook requests already seen, so that a captured signed URL cannot carry another body.

WeChat's plain mode signs only the timestamp and the nonce (sha1 of token, timestamp, nonce), not the message: a
URL copied from a log or a proxy would otherwise be good for any body — another resident's openid included —
until its timestamp goes stale. Kept in the database so that the rule holds across workers and restarts; rows
older than the timestamp window are pruned (bot/channels/wechat/replay.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class SignedRequest(Base):
    """One signature + timestamp + nonce, and the body it came with (both as SHA-256)."""

    __tablename__ = "signed_requests"
    __table_args__ = (Index("ix_signed_requests_seen_at", "seen_at"),)

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of channel, signature, timestamp, nonce
    body_sha256: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime]
