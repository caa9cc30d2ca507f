"""retention

Processed message ids are pruned after `ANJU_PROCESSED_DAYS` (issue 9, point 4): the pruning finds the oldest by
their time.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

- `ix_processed_inbound_processed_at`: the dedupe rows by age (bot/db/retention.py deletes them in slices).
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_processed_inbound_processed_at", "processed_inbound", ["processed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_processed_inbound_processed_at", table_name="processed_inbound")
