"""outbox resident reason

Why an undeliverable notice did not reach the resident, in their words, when the channel said (issue 13: a WeChat
subscribe notice the resident did not subscribe to, 43101); 查进度 shows it.

Revision ID: 0090
Revises: 0080
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0090"
down_revision = "0080"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("resident_reason", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("resident_reason")
