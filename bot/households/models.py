"""Tables of the household ledger: households (one row per 户号), each import, and each field's change.

ID numbers are never stored in clear: a keyed hash (HMAC-SHA-256 with the county's secret) and the last 4 digits,
plus a keyed hash of the last 6 digits bound to the 户号 (what binding by 户号 + name + last 6 digits compares).
Money and areas are Decimals kept as integer hundredths (分, 0.01 m²): exact on both databases.
Listed in bot/tables.py."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.db.base import Base, BigId, JsonType
from bot.db.types import UtcDateTime

HUNDRED = Decimal(100)


class Hundredths(TypeDecorator[Decimal]):
    """A Decimal with two places, stored as an integer count of hundredths."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return int((Decimal(value) * HUNDRED).to_integral_value())

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) / HUNDRED).quantize(Decimal("0.01"))


class Household(Base):
    __tablename__ = "households"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_no: Mapped[str] = mapped_column(String(32), unique=True)  # 户号
    district: Mapped[str] = mapped_column(String(32))  # district id of knowledge/params.yaml
    address: Mapped[str] = mapped_column(String(200))
    head_name: Mapped[str] = mapped_column(String(50))  # 户主
    id_hash: Mapped[str | None] = mapped_column(String(64))
    id_last4: Mapped[str | None] = mapped_column(String(4))
    id_tail_hash: Mapped[str | None] = mapped_column(String(64))
    phones: Mapped[list[str]] = mapped_column(JsonType, default=list)
    legal_area: Mapped[Decimal] = mapped_column(Hundredths)
    recognised_area: Mapped[Decimal | None] = mapped_column(Hundredths)
    use: Mapped[str] = mapped_column(String(16))  # bot.compensation.model.Use
    assessed_value: Mapped[Decimal | None] = mapped_column(Hundredths)
    appraisal_report_no: Mapped[str | None] = mapped_column(String(64))
    decoration_value: Mapped[Decimal | None] = mapped_column(Hundredths)
    chosen_option: Mapped[str | None] = mapped_column(String(16))  # vocabulary.Option
    agreement_status: Mapped[str] = mapped_column(String(16))  # vocabulary.AgreementStatus
    agreement_date: Mapped[date | None] = mapped_column(Date)
    selection_no: Mapped[str | None] = mapped_column(String(32))  # 选房号
    selection_date: Mapped[date | None] = mapped_column(Date)
    handover_date: Mapped[date | None] = mapped_column(Date)
    compensation_paid: Mapped[Decimal | None] = mapped_column(Hundredths)
    transition_payments: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)  # "YYYY-MM" → "元"
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    import_id: Mapped[int] = mapped_column(ForeignKey("household_imports.id"))  # the import that last changed it

    __table_args__ = (Index("ix_households_district", "district"),)


class HouseholdImport(Base):
    """One applied import: the file, who and when, and what it did."""

    __tablename__ = "household_imports"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(100))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime)
    rows: Mapped[int] = mapped_column(Integer)
    created: Mapped[int] = mapped_column(Integer)
    updated: Mapped[int] = mapped_column(Integer)
    unchanged: Mapped[int] = mapped_column(Integer)


class HouseholdChange(Base):
    """One field of one household changed by a re-import: old → new as shown to staff (ID numbers masked)."""

    __tablename__ = "household_changes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    import_id: Mapped[int] = mapped_column(ForeignKey("household_imports.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(100))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_household_changes_household", "household_id", "id"),)


class HouseholdBinding(Base):
    """A resident's chat identity (one row of `residents`: a Telegram chat, a WeChat openid, a web session) linked
    to one household (issue 14, point 2). Several family members may bind to one household; a resident binds to
    one household at a time. Removing the row unbinds; nothing else about the resident is kept here."""

    __tablename__ = "household_bindings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id", ondelete="CASCADE"), unique=True)
    via: Mapped[str] = mapped_column(String(16))  # "code" (the printed one-time code) or "id_tail" (户号+户主+6 digits)
    label: Mapped[str] = mapped_column(String(50))  # how the household sees this member listed, e.g. "微信用户 …3f2a"
    bound_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_household_bindings_household", "household_id"),)


class HouseholdCode(Base):
    """A one-time binding code printed for one household (the work group's sheet, with its QR code): kept only as
    a keyed hash (HMAC-SHA-256 with ANJU_HOUSEHOLD_ID_KEY), never in clear once the sheet is made. A code binds one
    resident once (`used_at`), until `expires_at`; issuing the household a new code voids the old one."""

    __tablename__ = "household_codes"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_household_codes_household", "household_id"),)


class BindingAttempt(Base):
    """Failed binding attempts counted per resident, per web client and per 户号 tried (keys are digests, never
    what was typed): after so many in a window further attempts are refused until `locked_until` — in the
    database, so the lock holds for every worker process and for a new chat session (bot/households/attempts.py)."""

    __tablename__ = "household_bind_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "resident" | "client" | "household"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class HouseholdOpening(Base):
    """One opening of a household's page by a staff member (个人信息保护法: who read a household's personal data,
    and when), shown on the page itself."""

    __tablename__ = "household_openings"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("households.id", ondelete="CASCADE"))
    viewed_by: Mapped[str] = mapped_column(String(100))  # the staff member's username
    viewed_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (Index("ix_household_openings_household", "household_id", "id"),)
