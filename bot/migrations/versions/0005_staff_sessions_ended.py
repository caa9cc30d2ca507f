"""staff sessions ended

Logging out ends every session of the account issued until then, copies of the cookie included (issue 3 left
this noted: the cookie alone could not be revoked).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28

- `staff_users.sessions_ended_at`: a session cookie issued before this second is no longer a session.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.add_column(sa.Column("sessions_ended_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_users") as batch:
        batch.drop_column("sessions_ended_at")
