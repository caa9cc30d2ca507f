"""Sending a notice: in one transaction, the notice (found by its form's key when the form was submitted before —
then nothing more is sent), one recipient row per bound resident, and for each resident who has not turned such
notices off one outbox row on their own channel, keyed by notice and resident: a resident gets a notice once,
however many members their household has bound and however often the form is submitted. The outbox worker
delivers them within each channel's limits (Telegram's pace, WeChat's window and quota)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.workdays import local_day
from bot.core.messages import Channel, Outbound
from bot.db.base import table_of
from bot.db.upsert import insert_ignore
from bot.district_notices.audience import recipients
from bot.district_notices.draft import Draft
from bot.district_notices.models import DistrictNotice, DistrictNoticeRecipient
from bot.district_notices.vocabulary import KIND_LABELS, OFF_BUTTON, OFF_WORDS_HINT
from bot.outbox.enqueue import Queued, enqueue_many

notices = table_of(DistrictNotice)
recipient_rows = table_of(DistrictNoticeRecipient)
QUEUED = "queued"
SKIPPED = "skipped"


def outbox_key(notice_id: int, resident_id: int) -> str:
    return f"district-notice:{notice_id}:{resident_id}"


@dataclass(frozen=True)
class Sent:
    notice_id: int
    created: bool  # False: this form was sent before; nothing more was queued
    recipients: int
    skipped: int


def resident_message(draft: Draft, signature: str, now: datetime, channel: str) -> Outbound:
    """The notice as a resident reads it. WeChat shows buttons as a numbered list answered by number, which a
    message from the outbox cannot take part in: there the words to type say how to turn notices off."""
    day = local_day(now)
    text = (
        f"【{KIND_LABELS[draft.kind]}】{draft.title}\n\n{draft.body}\n\n"
        f"—— {signature}，{day.year}年{day.month}月{day.day}日\n{OFF_WORDS_HINT}"
    )
    return Outbound(text, () if channel == Channel.WECHAT else (OFF_BUTTON,))


async def send_notice(
    conn: AsyncConnection,
    draft: Draft,
    key: str,
    *,
    staff_id: int,
    staff_name: str,
    signature: str,
    now: datetime,
) -> Sent:
    """Send `draft` under the form's `key` (see the module's docstring); call inside one transaction."""
    created = await insert_ignore(
        conn,
        notices,
        {
            "notice_key": key,
            "kind": draft.kind.value,
            "title": draft.title,
            "body": draft.body,
            "district": draft.district,
            "sent_by": staff_id,
            "sent_by_name": staff_name[:64],
            "created_at": now,
            "recipients": 0,
            "skipped": 0,
        },
        ("notice_key",),
    )
    row = (
        await conn.execute(
            select(notices.c.id, notices.c.recipients, notices.c.skipped).where(notices.c.notice_key == key)
        )
    ).one()
    if not created:
        return Sent(row.id, False, row.recipients, row.skipped)
    found = await recipients(conn, draft.district)
    rows = [
        {
            "notice_id": row.id,
            "resident_id": r.resident_id,
            "household_no": r.household_no,
            "label": r.label[:50],
            "channel": r.channel,
            "status": SKIPPED if r.opted_out else QUEUED,
            "outbox_key": None if r.opted_out else outbox_key(row.id, r.resident_id),
        }
        for r in found
    ]
    if rows:
        await conn.execute(recipient_rows.insert(), rows)
    messages = {channel: resident_message(draft, signature, now, channel) for channel in {r.channel for r in found}}
    queued = [
        Queued(outbox_key(row.id, r.resident_id), r.channel, r.user_key, messages[r.channel], r.resident_id)
        for r in found
        if not r.opted_out
    ]
    await enqueue_many(conn, queued, now)
    skipped = len(found) - len(queued)
    await conn.execute(update(notices).where(notices.c.id == row.id).values(recipients=len(queued), skipped=skipped))
    return Sent(row.id, True, len(queued), skipped)
