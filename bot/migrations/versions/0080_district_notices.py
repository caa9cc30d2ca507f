"""district notices

Notices to a district's bound residents (issue 14, point 5): each notice, each resident it was meant for, and the
residents who turned such notices off.

Revision ID: 0080
Revises: 0070
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0080"
down_revision = "0070"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "district_notices",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("notice_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=True),
        sa.Column("sent_by", BigId, nullable=True),
        sa.Column("sent_by_name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["sent_by"], ["staff_users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_key"),
    )
    op.create_index("ix_district_notices_district", "district_notices", ["district", "id"])
    op.create_table(
        "district_notice_recipients",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("notice_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("household_no", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("outbox_key", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["district_notices.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("notice_id", "resident_id", name="uq_district_notice_recipient"),
    )
    op.create_table(
        "district_notice_optouts",
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("turned_off_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("resident_id"),
    )


def downgrade() -> None:
    op.drop_table("district_notice_optouts")
    op.drop_table("district_notice_recipients")
    op.drop_index("ix_district_notices_district", table_name="district_notices")
    op.drop_table("district_notices")
