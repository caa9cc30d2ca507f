"""case lookup counts

查进度 by case number and phone is limited per phone number, case number, resident and client address, counted in
the database so that a new chat session does not start the count again (issue 9, point 6).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01

- `case_lookup_counts`: (scope, key, period) → count of look-ups in that one-day period.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_lookup_counts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("period", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "period"),
    )


def downgrade() -> None:
    op.drop_table("case_lookup_counts")
