"""case ratings

Every rating a resident gives is a row of its own (一事一评, issue 9 point 11): reopening a case used to clear
`cases.rating`, so a 不满意 vanished from 满意率 and the 不满意 count once the case was reopened.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01

- `case_ratings`: one row per rated handling round of a case (`round` = the case's `reopened_count` when rated),
  with the department that handled it and the resident's reason for a 不满意.
- Filled from the history: every `rated` event of `case_events` (append-only, so the ratings that reopening
  erased from `cases` are still there) becomes a row; its round is the number of reopenings before it. The
  department of a rating recovered this way is the case's department now (the history does not say which
  department held the case at the time).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
RATINGS = (1, 2, 3)


def upgrade() -> None:
    op.create_table(
        "case_ratings",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("department_id", BIG_ID, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
        ),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_id", "round", name="uq_case_ratings_case_round"),
    )
    op.create_index("ix_case_ratings_department", "case_ratings", ["department_id"], unique=False)
    _backfill()


def _backfill() -> None:
    events = sa.table(
        "case_events",
        sa.column("id", BIG_ID),
        sa.column("case_id", BIG_ID),
        sa.column("kind", sa.String()),
        sa.column("data", JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    cases = sa.table("cases", sa.column("id", BIG_ID), sa.column("department_id", BIG_ID))
    ratings = sa.table(
        "case_ratings",
        sa.column("case_id", BIG_ID),
        sa.column("round", sa.Integer()),
        sa.column("rating", sa.SmallInteger()),
        sa.column("department_id", BIG_ID),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(events.c.case_id, events.c.kind, events.c.data, events.c.created_at, cases.c.department_id)
        .join(cases, cases.c.id == events.c.case_id)
        .where(events.c.kind.in_(["rated", "reopened"]))
        .order_by(events.c.case_id, events.c.id)
    )
    found: dict[tuple[int, int], dict] = {}
    reopenings: dict[int, int] = {}
    for row in rows:
        if row.kind == "reopened":
            reopenings[row.case_id] = reopenings.get(row.case_id, 0) + 1
            continue
        try:
            rating = int((row.data or {}).get("rating"))  # type: ignore[arg-type]  # None, junk: caught below
        except (TypeError, ValueError):
            continue
        key = (row.case_id, reopenings.get(row.case_id, 0))
        if rating in RATINGS and key not in found:
            found[key] = {
                "case_id": key[0],
                "round": key[1],
                "rating": rating,
                "department_id": row.department_id,
                "created_at": row.created_at,
            }
    if found:
        bind.execute(ratings.insert(), list(found.values()))


def downgrade() -> None:
    op.drop_index("ix_case_ratings_department", table_name="case_ratings")
    op.drop_table("case_ratings")
