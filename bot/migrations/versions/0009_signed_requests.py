"""signed requests

A signed WeChat URL (plain mode) is good for one body only (issue 9, point 13).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

- `signed_requests`: SHA-256 of a webhook request's channel, signature, timestamp and nonce, with the SHA-256 of
  its body and when it was first seen; pruned once older than the timestamp window.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signed_requests",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_signed_requests_seen_at", "signed_requests", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_signed_requests_seen_at", table_name="signed_requests")
    op.drop_table("signed_requests")
