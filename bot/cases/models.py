"""Tables of the case side: departments, staff accounts, routing rules, cases, their append-only events, the
residents' ratings, the case-number counter (SQLite) and staff notices (reminders, 督办, digests).

Listed in bot/tables.py, so that Alembic and the schema test see them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base, BigId, JsonType
from bot.db.types import UtcDateTime


class Department(Base):
    """A desk that handles cases: the dispatcher queue, 纪检监察, a district work group, a county office."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # DepartmentKind
    district: Mapped[str | None] = mapped_column(String(32))  # the district of a work group
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the department's Telegram group: new, urgent and overdue cases are posted there (bot/cases/group_posts.py)
    telegram_group_chat_id: Mapped[int | None] = mapped_column(BigInteger)


class StaffUser(Base):
    """A staff account. Passwords are argon2 hashes (bot.cases.passwords); lock-out state lives here."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))  # Role
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sessions_ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # logout: sessions issued until then end
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RoutingRule(Base):
    """category × district → department; district "*" matches every district."""

    __tablename__ = "routing_rules"
    __table_args__ = (UniqueConstraint("category", "district", name="uq_routing_rules_category_district"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    category: Mapped[str] = mapped_column(String(32))
    district: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int] = mapped_column(BigId, ForeignKey("departments.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Case(Base):
    """One complaint, help request or inquiry, from intake to closure."""

    __tablename__ = "cases"
    __table_args__ = (
        # the queues' indexes (their order: next_due, priority DESC, id DESC) are defined below the class
        Index("ix_cases_resident", "resident_id", "id"),
        Index("ix_cases_phone", "phone"),
        Index("ix_cases_alarm", "alarm_at"),
        Index("ix_cases_merged_into", "merged_into_id"),
        Index("ix_cases_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    # the submission that created the case (channel + message): a repeated confirmation finds it instead of filing twice
    intake_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    type: Mapped[str] = mapped_column(String(16))  # CaseType
    category: Mapped[str] = mapped_column(String(32))  # Category
    district: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    wish: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str | None] = mapped_column(String(20))  # normalised; None when anonymous
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    # type-specific answers: assistance (for whom, situation, services, preferred days), accused unit …
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    resident_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("residents.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))  # where the resident is told about changes
    status: Mapped[str] = mapped_column(String(16))  # Status
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(SmallInteger, default=0)  # 0 normal, 1 high (assistance), 2 urgent
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    # staff-conduct complaints: the department complained about, which must never see the case
    named_department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    assignee_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    sign_for_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    notify_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    finish_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    extended_days: Mapped[int] = mapped_column(Integer, default=0)
    # the earliest deadline still to be met (NULL once closed): queues sort and filter on it
    next_due: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # when the scheduler should look at the case next (reminder, 督办); NULL: nothing pending
    alarm_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    first_reply_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)
    # the rating of the current handling round (Rating: 3 满意, 2 基本满意, 1 不满意); NULL until the resident rates it,
    # and again after a reopening (the round rated before stays in case_ratings, which the figures count)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    rated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))


# The dashboard's indexes (migration 0003). Every queue is ordered by the earliest open deadline, so overdue first and
# closed cases (next_due NULL) last: next_due ASC NULLS LAST, priority DESC, id DESC.
QUEUE_ORDER = (Case.next_due.asc().nulls_last(), Case.priority.desc(), Case.id.desc())
Index("ix_cases_queue", *QUEUE_ORDER)  # supervisors and dispatchers: every department
Index("ix_cases_department_queue", Case.department_id, *QUEUE_ORDER)  # department staff
# the status filter (status first: see migration 0003)
Index("ix_cases_status_queue", Case.status, *QUEUE_ORDER, postgresql_include=["department_id", "named_department_id"])
Index(
    "ix_cases_status_department_queue",
    Case.status,
    Case.department_id,
    *QUEUE_ORDER,
    postgresql_include=["named_department_id"],
)
# claim_next: the department's most urgent case waiting to be signed for
Index("ix_cases_claim", Case.status, Case.department_id, Case.priority.desc(), Case.next_due, Case.id)
# the pager's counts, index-only: the low-cardinality columns queues filter on (deduplicated, a few MB)
Index(
    "ix_cases_counts",
    Case.status,
    Case.department_id,
    Case.named_department_id,
    Case.district,
    Case.category,
    Case.assignee_id,
)
# PostgreSQL only, created by migration 0003 and not modelled here (SQLite has no equivalent): pg_trgm GIN over
# description / address / wish / number, and the GIN of their bigrams (anju_search_bigrams) for two-character terms
POSTGRESQL_ONLY_INDEXES = frozenset({"ix_cases_search_trgm", "ix_cases_search_bigrams"})


class CaseEvent(Base):
    """One entry of a case's history. Append-only: the database refuses UPDATE and DELETE (migration 0002)."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    actor_kind: Mapped[str] = mapped_column(String(16))  # "staff" | "resident" | "system"
    actor_staff_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    kind: Mapped[str] = mapped_column(String(24))  # EventKind
    public: Mapped[bool] = mapped_column(Boolean)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseRating(Base):
    """One rating a resident gave (一事一评): every handling round of a case — its first closure, and each closure
    after a reopening — is rated once, and every rating given stays counted, whatever happens to the case later.

    `round` is the case's `reopened_count` when it was rated; `department_id` the department that handled that round
    (the overview counts the rating there); `reason` what the resident said was wrong (不满意, optional)."""

    __tablename__ = "case_ratings"
    __table_args__ = (
        UniqueConstraint("case_id", "round", name="uq_case_ratings_case_round"),
        Index("ix_case_ratings_department", "department_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigId, ForeignKey("cases.id"))
    round: Mapped[int] = mapped_column(Integer)
    rating: Mapped[int] = mapped_column(SmallInteger)  # Rating
    reason: Mapped[str | None] = mapped_column(Text)
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseNumberCounter(Base):
    """The last case number handed out, on SQLite (PostgreSQL uses the sequence `case_number_seq`)."""

    __tablename__ = "case_number_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))


class StaffNotice(Base):
    """Something the scheduler tells staff: a reminder, a 督办 escalation, the daily digest.

    Addressed to one staff user or to a whole department; `dedupe_key` makes the scheduler idempotent. Staff with a
    Telegram id also get it through the outbox."""

    __tablename__ = "staff_notices"
    __table_args__ = (
        Index("ix_staff_notices_staff", "staff_user_id", "id"),
        Index("ix_staff_notices_department", "department_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # "reminder" | "escalation" | "digest"
    staff_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("staff_users.id"))
    department_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("departments.id"))
    case_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("cases.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TelegramLinkCode(Base):
    """A one-time code that links a Telegram account to a staff account (bot/cases/telegram_links.py): shown once
    in the dashboard, stored only as its SHA-256, valid for minutes, used at most once."""

    __tablename__ = "telegram_link_codes"
    __table_args__ = (Index("ix_telegram_link_codes_staff", "staff_user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    staff_user_id: Mapped[int] = mapped_column(BigId, ForeignKey("staff_users.id"))
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by_telegram_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CaseLookupCount(Base):
    """查进度 look-ups of another person's case (number + phone) counted per phone, case number, resident and client
    address in one-day periods (bot/cases/lookups.py): a limit no new chat session resets."""

    __tablename__ = "case_lookup_counts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)  # "phone" | "case" | "resident" | "client"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # a SHA-256 prefix (phones, addresses) or an id
    period: Mapped[int] = mapped_column(Integer, primary_key=True)  # days since the epoch (UTC)
    count: Mapped[int] = mapped_column(Integer)
