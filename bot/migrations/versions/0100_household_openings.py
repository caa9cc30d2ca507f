"""household page views

Each opening of a household's page on the dashboard: who and when (issue 14: who read a household's personal data).

Revision ID: 0100
Revises: 0090
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0100"
down_revision = "0090"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "household_openings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("household_id", BigId, nullable=False),
        sa.Column("viewed_by", sa.String(length=100), nullable=False),
        sa.Column("viewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_household_openings_household", "household_openings", ["household_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_household_openings_household", table_name="household_openings")
    op.drop_table("household_openings")
