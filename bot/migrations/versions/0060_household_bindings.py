"""household bindings

A resident's chat identity linked to one household of the ledger (issue 14, point 2): several members per
household, one household per resident.

Revision ID: 0060
Revises: 0050
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0060"
down_revision = "0050"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "household_bindings",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("household_id", BigId, nullable=False),
        sa.Column("resident_id", BigId, nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["resident_id"], ["residents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resident_id"),
    )
    op.create_index("ix_household_bindings_household", "household_bindings", ["household_id"])


def downgrade() -> None:
    op.drop_index("ix_household_bindings_household", table_name="household_bindings")
    op.drop_table("household_bindings")
