"""The delivery report of one notice (read from the outbox rows as the worker works), and the notices sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.district_notices.models import DistrictNotice, DistrictNoticeRecipient
from bot.district_notices.reasons import OUTCOME_LABELS, Outcome, outcome_of
from bot.district_notices.vocabulary import NoticeKind
from bot.outbox.enqueue import OutboxStatus, outbox

notices = table_of(DistrictNotice)
recipient_rows = table_of(DistrictNoticeRecipient)
ROWS_SHOWN = 500
# problems first, so that a long list shows what needs doing at its top
ORDER = (Outcome.FAILED, Outcome.UNDELIVERABLE, Outcome.WAITING, Outcome.SKIPPED, Outcome.SENT)


@dataclass(frozen=True)
class NoticeInfo:
    id: int
    kind: NoticeKind
    title: str
    body: str
    district: str | None
    sent_by_name: str
    created_at: datetime
    recipients: int
    skipped: int


@dataclass(frozen=True)
class RecipientLine:
    household_no: str
    label: str
    channel: str
    outcome: Outcome
    reason: str
    delivered_at: datetime | None

    @property
    def outcome_label(self) -> str:
        return OUTCOME_LABELS[self.outcome]


@dataclass(frozen=True)
class Report:
    notice: NoticeInfo
    counts: Counter[Outcome]
    lines: list[RecipientLine] = field(default_factory=list)
    total: int = 0

    @property
    def waiting(self) -> bool:
        return self.counts[Outcome.WAITING] > 0


def _info(r: Any) -> NoticeInfo:
    """A row of `notices` as NoticeInfo."""
    return NoticeInfo(
        r.id, NoticeKind(r.kind), r.title, r.body, r.district, r.sent_by_name, r.created_at, r.recipients, r.skipped
    )


async def notice_info(conn: AsyncConnection, notice_id: int) -> NoticeInfo | None:
    row = (await conn.execute(select(notices).where(notices.c.id == notice_id))).first()
    return None if row is None else _info(row)


async def report(conn: AsyncConnection, notice_id: int, ready_channels: Collection[str]) -> Report | None:
    """Each recipient's outcome and why; `ready_channels`: the channels with a sender configured (the others' rows
    wait until one is)."""
    info = await notice_info(conn, notice_id)
    if info is None:
        return None
    rows = await conn.execute(
        select(
            recipient_rows.c.household_no,
            recipient_rows.c.label,
            recipient_rows.c.channel,
            outbox.c.status,
            outbox.c.last_error,
            outbox.c.delivered_at,
        )
        .select_from(recipient_rows)
        .outerjoin(outbox, outbox.c.idempotency_key == recipient_rows.c.outbox_key)
        .where(recipient_rows.c.notice_id == notice_id)
        .order_by(recipient_rows.c.household_no, recipient_rows.c.id)
    )
    lines = []
    for r in rows:
        outcome, reason = outcome_of(r.status, r.last_error, r.channel in ready_channels)
        lines.append(RecipientLine(r.household_no, r.label, r.channel, outcome, reason, r.delivered_at))
    counts = Counter(line.outcome for line in lines)
    lines.sort(key=lambda line: ORDER.index(line.outcome))
    return Report(info, counts, lines[:ROWS_SHOWN], len(lines))


@dataclass(frozen=True)
class HistoryLine:
    notice: NoticeInfo
    sent: int
    waiting: int
    not_sent: int  # failed or undeliverable


async def history(conn: AsyncConnection, districts: Collection[str] | None, limit: int = 100) -> list[HistoryLine]:
    """The latest notices, newest first: all (`districts` None), or those sent to one of `districts`."""
    query = select(notices).order_by(notices.c.id.desc()).limit(limit)
    if districts is not None:
        query = query.where(notices.c.district.in_(list(districts)))
    found = [_info(r) for r in await conn.execute(query)]
    if not found:
        return []
    status = outbox.c.status
    counted = await conn.execute(
        select(
            recipient_rows.c.notice_id,
            func.sum(case((status == OutboxStatus.DELIVERED, 1), else_=0)).label("sent"),
            func.sum(case((status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]), 1), else_=0)).label("waiting"),
            func.sum(case((status.in_([OutboxStatus.FAILED, OutboxStatus.UNDELIVERABLE]), 1), else_=0)).label(
                "not_sent"
            ),
        )
        .select_from(recipient_rows)
        .join(outbox, outbox.c.idempotency_key == recipient_rows.c.outbox_key)
        .where(recipient_rows.c.notice_id.in_([n.id for n in found]))
        .group_by(recipient_rows.c.notice_id)
    )
    by_notice = {r.notice_id: (int(r.sent or 0), int(r.waiting or 0), int(r.not_sent or 0)) for r in counted}
    return [HistoryLine(n, *by_notice.get(n.id, (0, 0, 0))) for n in found]
