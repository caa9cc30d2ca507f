"""A department's group robots: one WeCom robot and one DingTalk robot at most. The webhook key / access token
and the DingTalk signing secret are credentials: stored here only, never logged, never shown back in full."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId
from bot.db.types import UtcDateTime


class DepartmentRobot(Base):
    __tablename__ = "department_robots"

    department_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True
    )
    platform: Mapped[str] = mapped_column(String(16), primary_key=True)  # Platform: "wecom" | "dingtalk"
    token: Mapped[str] = mapped_column(String(200))  # WeCom: the webhook `key`; DingTalk: the `access_token`
    secret: Mapped[str | None] = mapped_column(String(200))  # DingTalk signed mode: the "SEC…" secret
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the last send, as the routing page shows it: when it went, or why the platform refused it (no credentials)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
