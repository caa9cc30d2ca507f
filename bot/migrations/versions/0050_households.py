"""household ledger

The county's 分户台账 (issue 14, point 1): one row per 户号, each applied import, and each field's change by a
re-import (who, when, old → new).

Revision ID: 0050
Revises: 0040
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0050"
down_revision = "0040"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "household_imports",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "households",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("household_no", sa.String(length=32), nullable=False),
        sa.Column("district", sa.String(length=32), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("head_name", sa.String(length=50), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=True),
        sa.Column("id_last4", sa.String(length=4), nullable=True),
        sa.Column("id_tail_hash", sa.String(length=64), nullable=True),
        sa.Column("phones", Json, nullable=False),
        sa.Column("legal_area", sa.BigInteger(), nullable=False),
        sa.Column("recognised_area", sa.BigInteger(), nullable=True),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("assessed_value", sa.BigInteger(), nullable=True),
        sa.Column("appraisal_report_no", sa.String(length=64), nullable=True),
        sa.Column("decoration_value", sa.BigInteger(), nullable=True),
        sa.Column("chosen_option", sa.String(length=16), nullable=True),
        sa.Column("agreement_status", sa.String(length=16), nullable=False),
        sa.Column("agreement_date", sa.Date(), nullable=True),
        sa.Column("selection_no", sa.String(length=32), nullable=True),
        sa.Column("selection_date", sa.Date(), nullable=True),
        sa.Column("handover_date", sa.Date(), nullable=True),
        sa.Column("compensation_paid", sa.BigInteger(), nullable=True),
        sa.Column("transition_payments", Json, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["import_id"], ["household_imports.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("household_no"),
    )
    op.create_index("ix_households_district", "households", ["district"])
    op.create_table(
        "household_changes",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("household_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.Text(), nullable=True),
        sa.Column("new_value", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["household_id"], ["households.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["import_id"], ["household_imports.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_household_changes_household", "household_changes", ["household_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_household_changes_household", table_name="household_changes")
    op.drop_table("household_changes")
    op.drop_index("ix_households_district", table_name="households")
    op.drop_table("households")
    op.drop_table("household_imports")
