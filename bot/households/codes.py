"""One-time binding codes: 12 random digits per household (easy to type on a phone, 10¹² of them), printed on the
work group's sheet and then kept only as a keyed hash. Issuing codes for a district (or one household of it) voids
the codes those households had that were not used yet; a code binds once and expires after
`ANJU_HOUSEHOLD_CODE_DAYS` days (90 by default)."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.db.base import table_of
from bot.households.models import Household, HouseholdCode

households = table_of(Household)
codes = table_of(HouseholdCode)
CODE_DIGITS = 12
_CHUNK = 500
MAX_TYPED = 64  # longer input is not a code (whatever it holds)
# between and around the digits: spaces, dashes, a label (绑定码：…) — nothing else is part of a typed code
_SEPARATORS = re.compile(r"[\s\-_.·,，:：\u4e00-\u9fff]+")
_CODE = re.compile(rf"\d{{{CODE_DIGITS}}}")


class NoKey(ValueError):
    """ANJU_HOUSEHOLD_ID_KEY is not set: codes cannot be hashed."""


NO_KEY = "未设置 ANJU_HOUSEHOLD_ID_KEY（台账加密用的密钥），不能生成绑定码；请管理员在配置中设置后再试。"


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def normalise_code(typed: str) -> str | None:
    """The 12 digits of a typed or scanned code (full-width digits, spaces, dashes and words such as 绑定码 around
    them allowed), or None."""
    if len(typed) > MAX_TYPED:
        return None
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", typed))
    return digits if _CODE.fullmatch(digits) else None


def shown(code: str) -> str:
    """`123456789012` → `1234 5678 9012`, as the sheet prints it."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def code_hash(key: bytes, code: str) -> str:
    return hmac.new(key, f"bindcode:{code}".encode(), hashlib.sha256).hexdigest()


def mask_name(name: str) -> str:
    """张三丰 → 张**: the surname only (the sheet and the chat never show a 户主's full name)."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


@dataclass(frozen=True)
class IssuedCode:
    """A code as printed, once: the only time it exists in clear."""

    household_no: str
    address: str
    head_name: str  # masked
    code: str
    expires_at: datetime


async def issue_codes(
    conn: AsyncConnection,
    key: bytes,
    district: str,
    *,
    now: datetime,
    days: int,
    by: str,
    household_no: str | None = None,
) -> list[IssuedCode]:
    """New codes for the households of `district` (only `household_no`, if given), in 户号 order; the codes they
    had that were not used are voided. Nothing is issued without the key."""
    if not key:
        raise NoKey(NO_KEY)
    query = select(households.c.id, households.c.household_no, households.c.address, households.c.head_name).where(
        households.c.district == district
    )
    if household_no is not None:
        query = query.where(households.c.household_no == household_no)
    rows = (await conn.execute(query.order_by(households.c.household_no))).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    for start in range(0, len(ids), _CHUNK):
        await conn.execute(
            update(codes)
            .where(
                codes.c.household_id.in_(ids[start : start + _CHUNK]),
                codes.c.used_at.is_(None),
                codes.c.voided_at.is_(None),
            )
            .values(voided_at=now)
        )
    made: dict[str, str] = {}  # hash → code: new and unique among themselves and the codes ever issued
    while len(made) < len(rows):
        fresh = {code_hash(key, code): code for code in (new_code() for _ in range(len(rows) - len(made)))}
        hashes = [h for h in fresh if h not in made]
        taken: set[str] = set()
        for start in range(0, len(hashes), _CHUNK):
            chunk = hashes[start : start + _CHUNK]
            taken.update((await conn.execute(select(codes.c.code_hash).where(codes.c.code_hash.in_(chunk)))).scalars())
        made.update((h, fresh[h]) for h in hashes if h not in taken)
    expires = now + timedelta(days=days)
    pairs = list(zip(rows, made.items()))
    await conn.execute(
        insert(codes),
        [
            {
                "household_id": row.id,
                "code_hash": digest,
                "issued_by": by[:100],
                "issued_at": now,
                "expires_at": expires,
                "used_at": None,
                "voided_at": None,
            }
            for row, (digest, _) in pairs
        ],
    )
    return [
        IssuedCode(row.household_no, row.address, mask_name(row.head_name), code, expires) for row, (_, code) in pairs
    ]


async def take_code(conn: AsyncConnection, key: bytes, code: str, now: datetime) -> int | None:
    """Use a code: the id of its household, once, while it is neither used, voided nor expired; else None. One
    statement, so two residents with the same code cannot both use it."""
    used = await conn.execute(
        update(codes)
        .where(
            codes.c.code_hash == code_hash(key, code),
            codes.c.used_at.is_(None),
            codes.c.voided_at.is_(None),
            codes.c.expires_at > now,
        )
        .values(used_at=now)
        .returning(codes.c.household_id)
    )
    return used.scalar_one_or_none()
