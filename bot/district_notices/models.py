"""Tables of notices to a district: each notice sent, and each resident it was meant for (listed in bot/tables.py).

The delivery itself is an outbox row (bot/outbox/models.py) keyed `district-notice:<notice id>:<resident id>`: the
report reads its status from there, so it follows the outbox worker as it works. Residents who turned such notices
off are in `district_notice_optouts` (bot/db/models.py), written by the conversation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId
from bot.db.types import UtcDateTime


class DistrictNotice(Base):
    """One notice as staff sent it. `notice_key` is the compose form's own id: submitting the form twice finds
    the notice already sent and sends nothing more."""

    __tablename__ = "district_notices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # vocabulary.NoticeKind
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    district: Mapped[str | None] = mapped_column(String(32))  # None: every district
    sent_by: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id", ondelete="SET NULL"))
    sent_by_name: Mapped[str] = mapped_column(String(64))  # kept for the history if the account goes
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recipients: Mapped[int] = mapped_column(Integer)  # queued to the outbox
    skipped: Mapped[int] = mapped_column(Integer)  # bound, but turned such notices off

    __table_args__ = (Index("ix_district_notices_district", "district", "id"),)


class DistrictNoticeRecipient(Base):
    """One bound resident a notice was meant for: queued (its outbox row's key) or skipped (turned off)."""

    __tablename__ = "district_notice_recipients"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("district_notices.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"))
    household_no: Mapped[str] = mapped_column(String(32))  # as it was when sent
    label: Mapped[str] = mapped_column(String(50))  # the binding's label ("微信用户 …3f2a")
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # "queued" | "skipped"
    outbox_key: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("notice_id", "resident_id", name="uq_district_notice_recipient"),)
