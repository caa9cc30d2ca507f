"""rate leases

Telegram's limits across workers held until the response (issue 12, point 2): a paced request holds one of its
key's leases from before it starts until a period after its response (bot/db/limits.py), instead of a start slot
that spaced the starts only — a request delayed on its way could then arrive together with the next ones.

Revision ID: 0040
Revises: 0012
Create Date: 2026-12-01

- `rate_leases`: (key, n) → busy_until (epoch seconds of the database clock).
- `rate_slots` (0012) is dropped: nothing reads it any more.
"""

import sqlalchemy as sa
from alembic import op

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_leases",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("n", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("busy_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", "n"),
    )
    op.drop_table("rate_slots")


def downgrade() -> None:
    op.create_table(
        "rate_slots",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("free_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.drop_table("rate_leases")
