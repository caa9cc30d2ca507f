"""telegram groups

Department group chats and one-time codes that link a Telegram account to a staff account (issue 4, part 3).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

- `departments.telegram_group_chat_id`: the department's Telegram group, where new, urgent and overdue cases are
  posted with a 签收 button (set with `python -m bot staff group --department CODE --chat-id ID`);
- `telegram_link_codes`: codes shown once in the dashboard, stored as SHA-256, short-lived and single-use.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("departments") as batch:
        batch.add_column(sa.Column("telegram_group_chat_id", sa.BigInteger(), nullable=True))
    op.create_table(
        "telegram_link_codes",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", BIG_ID, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("used_by_telegram_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_user_id"], ["staff_users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
    )
    op.create_index("ix_telegram_link_codes_staff", "telegram_link_codes", ["staff_user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_telegram_link_codes_staff", table_name="telegram_link_codes")
    op.drop_table("telegram_link_codes")
    with op.batch_alter_table("departments") as batch:
        batch.drop_column("telegram_group_chat_id")
