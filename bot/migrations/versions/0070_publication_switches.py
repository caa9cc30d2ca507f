"""publication switches

What the county has published per project (阳光征收, issue 14 point 4): the per-household results and the signing
progress, each switched on or off by an admin; one row per switch (who, when), the newest is the state.

Revision ID: 0070
Revises: 0061
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0070"
down_revision = "0061"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "publication_switches",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("project", sa.String(length=32), nullable=False),
        sa.Column("item", sa.String(length=16), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_publication_switches_project_item", "publication_switches", ["project", "item", "id"])


def downgrade() -> None:
    op.drop_index("ix_publication_switches_project_item", table_name="publication_switches")
    op.drop_table("publication_switches")
