"""shared limits

Several workers on one PostgreSQL database share Telegram's flood limits and WeChat's per-window message quota
(issue 12, point 2): bot/db/limits.py.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-01

- `rate_slots`: a paced key's next start slot and when its last response allows the next one (epoch seconds).
- `channel_quotas`: messages sent to one resident in the channel's current window.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_slots",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("next_at", sa.Float(), nullable=False),
        sa.Column("free_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "channel_quotas",
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("user_key", sa.String(length=128), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "user_key"),
    )


def downgrade() -> None:
    op.drop_table("channel_quotas")
    op.drop_table("rate_slots")
