"""Case numbers such as AJ-2026-000123: the year the case was filed (Beijing time) and a serial number that is
unique across every worker — a sequence on PostgreSQL, a counter row on SQLite (whose write transactions are
serialised by BEGIN IMMEDIATE, so reading and bumping the row inside one is safe)."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

from sqlalchemy import Sequence, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import CaseNumberCounter
from bot.cases.workdays import CHINA_TZ
from bot.db.base import table_of
from bot.db.upsert import insert_ignore

PREFIX = "AJ"
CASE_NUMBER_SEQ = Sequence("case_number_seq")
COUNTER = "case"
counters = table_of(CaseNumberCounter)
_NUMBER = re.compile(r"AJ-?(\d{4})-?(\d{1,9})")


async def next_case_number(conn: AsyncConnection, now: datetime) -> str:
    """A new, never used case number; call inside the transaction that inserts the case."""
    if conn.dialect.name == "postgresql":
        serial = await conn.scalar(select(CASE_NUMBER_SEQ.next_value()))
    else:
        await insert_ignore(conn, counters, {"name": COUNTER, "value": 0}, ("name",))
        serial = await conn.scalar(
            update(counters)
            .where(counters.c.name == COUNTER)
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        )
    if serial is None:  # the sequence, or the counter row just ensured, always gives a value
        raise RuntimeError("the case number counter gave no value")
    return format_case_number(now.astimezone(CHINA_TZ).year, int(serial))


def format_case_number(year: int, serial: int) -> str:
    return f"{PREFIX}-{year}-{serial:06d}"


def parse_case_number(text: str) -> str | None:
    """The canonical number for what a resident typed (`aj2026000123`, `AJ-2026-123`, full-width …), or None."""
    raw = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "").replace("—", "-")
    found = _NUMBER.fullmatch(raw)
    if not found:
        return None
    return format_case_number(int(found.group(1)), int(found.group(2)))
