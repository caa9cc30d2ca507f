"""restorable search function

A backup must restore (issue 12, point 6). pg_restore runs with an empty search_path, and the index
ix_cases_search_bigrams calls anju_search_bigrams(), whose body called anju_bigrams() without its schema: restoring
a pg_dump of any Anju database stopped at `function anju_bigrams(text) does not exist`, leaving the cases table
without its search index. The body now names the schema the function lives in. The function stays a plain SQL
function (no SET search_path, which would keep the planner from inlining it); its result is unchanged, so the
index needs no rebuild.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

PostgreSQL only; nothing changes on SQLite.
"""

from alembic import op
from sqlalchemy import text

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SEARCH_BIGRAMS = """
CREATE OR REPLACE FUNCTION anju_search_bigrams(description text, address text, wish text, number text)
RETURNS text[] LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT {call}(lower(description || ' ' || address || ' ' || wish || ' ' || number))
$$
"""


def _schema_of_bigrams() -> str:
    return (
        op.get_bind()
        .execute(
            text(
                "SELECT quote_ident(n.nspname) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE p.proname = 'anju_bigrams'"
            )
        )
        .scalar_one()
    )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_BIGRAMS.format(call=f"{_schema_of_bigrams()}.anju_bigrams"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_BIGRAMS.format(call="anju_bigrams"))
