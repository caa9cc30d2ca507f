"""Linking a Telegram account to a staff account with a one-time code.

The dashboard issues a code (10 characters of an unambiguous alphabet, ~50 bits) for the logged-in staff member and
shows it once; only its SHA-256 is stored. In a private chat with the bot the staff member sends `/link CODE`; a
code that exists, has not expired and has not been used stores their Telegram user id on their account. Issuing a
new code retires the staff member's earlier unused ones. A Telegram account is linked to at most one staff account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.cases.models import StaffUser as StaffUserRow
from bot.cases.models import TelegramLinkCode
from bot.db.base import table_of

codes = table_of(TelegramLinkCode)
staff_users = table_of(StaffUserRow)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
CODE_LENGTH = 10
CODE_LIFETIME = timedelta(minutes=10)


class LinkOutcome(StrEnum):
    LINKED = "linked"
    ALREADY = "already"  # this code already linked this same Telegram account (a repeated /link)
    INVALID = "invalid"  # unknown, expired or used


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    display_name: str = ""


def normalise_code(raw: str) -> str:
    return "".join(c for c in raw.upper() if c.isascii() and c.isalnum())[:32]


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


async def issue_code(conn: AsyncConnection, staff_id: int, now: datetime) -> tuple[str, datetime]:
    """A new code for `staff_id` and when it expires; earlier unused codes of theirs stop working."""
    await conn.execute(
        update(codes)
        .where(codes.c.staff_user_id == staff_id, codes.c.used_at.is_(None), codes.c.expires_at > now)
        .values(expires_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    expires = now + CODE_LIFETIME
    await conn.execute(
        codes.insert().values(code_hash=code_hash(code), staff_user_id=staff_id, expires_at=expires, created_at=now)
    )
    return code, expires


async def redeem_code(conn: AsyncConnection, code: str, telegram_user_id: int, now: datetime) -> LinkResult:
    """Link `telegram_user_id` to the staff account the code was issued for (row-locked: used at most once)."""
    row = (await conn.execute(select(codes).where(codes.c.code_hash == code_hash(code)).with_for_update())).first()
    if row is None:
        return LinkResult(LinkOutcome.INVALID)
    name = await conn.scalar(
        select(staff_users.c.display_name).where(staff_users.c.id == row.staff_user_id, staff_users.c.active.is_(True))
    )
    if name is None:
        return LinkResult(LinkOutcome.INVALID)
    if row.used_at is not None:
        same = row.used_by_telegram_id == telegram_user_id
        return LinkResult(LinkOutcome.ALREADY, name) if same else LinkResult(LinkOutcome.INVALID)
    if row.expires_at <= now:
        return LinkResult(LinkOutcome.INVALID)
    # one Telegram account, one staff account: unlink it from any other first
    await conn.execute(
        update(staff_users)
        .where(staff_users.c.telegram_user_id == telegram_user_id, staff_users.c.id != row.staff_user_id)
        .values(telegram_user_id=None)
    )
    await conn.execute(
        update(staff_users).where(staff_users.c.id == row.staff_user_id).values(telegram_user_id=telegram_user_id)
    )
    await conn.execute(
        update(codes).where(codes.c.id == row.id).values(used_at=now, used_by_telegram_id=telegram_user_id)
    )
    return LinkResult(LinkOutcome.LINKED, name)


async def staff_by_telegram(conn: AsyncConnection, telegram_user_id: int) -> int | None:
    """The active staff account linked to this Telegram user, if any."""
    return await conn.scalar(
        select(staff_users.c.id)
        .where(staff_users.c.telegram_user_id == telegram_user_id, staff_users.c.active.is_(True))
        .limit(1)
    )


async def linked_telegram(conn: AsyncConnection, staff_id: int) -> int | None:
    return await conn.scalar(select(staff_users.c.telegram_user_id).where(staff_users.c.id == staff_id))
