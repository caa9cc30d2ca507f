"""dashboard indexes

Indexes for the staff dashboard's queues, filters, pager counts, search and `claim_next`, found with
`python -m bench.cases_postgres` on 1,000,000 cases (docs/benchmarks.md).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27

Both databases (B-tree):
- every queue is ordered `next_due ASC NULLS LAST, priority DESC, id DESC`: one index with exactly that order for
  all cases (supervisors, dispatchers), one per department (department staff), and one per status and per
  status × department (the status filter). They replace 0002's (status, next_due) and (department_id, status,
  next_due), which left PostgreSQL sorting every open case of a department (or of the county) for each page.
  The status-led index for departments starts with status on purpose: with department_id first, the planner
  preferred walking the status index and skipping other departments' rows (status is far better correlated with
  the table order), which for 已办结 of one office meant reading ~70,000 rows for a page of 30;
- `claim_next` takes the most urgent waiting case: status, department, priority DESC, next_due, id;
- the pager counts with an index-only scan of a small index of the low-cardinality columns lists filter on
  (B-tree deduplication keeps it at a few MB), instead of reading every matching case.

PostgreSQL only:
- `pg_trgm` GIN over description, address, wish and number for search terms of three characters or more;
- two-character terms — most Chinese words — yield no trigram: they are looked up in a GIN index of the bigrams of
  the same four columns (`anju_search_bigrams`, lower-cased like ILIKE), which for two characters is exact;
- extended statistics for department × district and department × status (strongly correlated: a district's work
  group only has that district's cases), finer histograms of the text columns and a longer list of the bigrams'
  frequencies, so that the planner estimates filters and search terms well enough to choose between walking a queue
  index (a common term) and collecting the matches first (a rare one). ANALYZE of cases takes longer for it (about
  half a minute per million cases).
SQLite keeps its plain LIKE search.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

QUEUE_ORDER: list[str | sa.TextClause] = ["next_due", sa.text("priority DESC"), sa.text("id DESC")]

# Every two-character substring (repeats included: GIN keeps each key once). About 30 µs for a case, some fifteen
# times strpos(): COST tells the planner so, and queries check rows with strpos() first, so that the function runs only
# on rows that match. A term found in nearly every case ("20" is in every case number) is still counted by running it
# on each of them (1.8 s for a department's 73,000 open cases, bench.cases_postgres).
PG_BIGRAMS = """
CREATE FUNCTION anju_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 300 AS $$
    SELECT array(SELECT substr(t, i, 2) FROM generate_series(1, char_length(t) - 1) AS i)
$$
"""
# the bigrams of the four searched columns, lower-cased as ILIKE compares them; a space between columns (a search
# term never starts or ends with one, so the bigrams across a boundary never match a two-character term)
PG_SEARCH_BIGRAMS = """
CREATE FUNCTION anju_search_bigrams(description text, address text, wish text, number text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT anju_bigrams(lower(description || ' ' || address || ' ' || wish || ' ' || number))
$$
"""
PG_STATISTICS = (
    "CREATE STATISTICS st_cases_department_district (mcv, dependencies) ON department_id, district FROM cases",
    "CREATE STATISTICS st_cases_department_status (mcv, dependencies) ON department_id, status FROM cases",
)
SEARCHED_COLUMNS = ("description", "address", "wish")
TEXT_STATISTICS_TARGET = 1000


def upgrade() -> None:
    op.drop_index("ix_cases_status_due", table_name="cases")
    op.drop_index("ix_cases_department_status_due", table_name="cases")
    op.create_index("ix_cases_queue", "cases", QUEUE_ORDER, unique=False)
    op.create_index("ix_cases_department_queue", "cases", ["department_id", *QUEUE_ORDER], unique=False)
    op.create_index(
        "ix_cases_status_queue",
        "cases",
        ["status", *QUEUE_ORDER],
        unique=False,
        postgresql_include=["department_id", "named_department_id"],
    )
    op.create_index(
        "ix_cases_status_department_queue",
        "cases",
        ["status", "department_id", *QUEUE_ORDER],
        unique=False,
        postgresql_include=["named_department_id"],
    )
    op.create_index(
        "ix_cases_claim", "cases", ["status", "department_id", sa.text("priority DESC"), "next_due", "id"], unique=False
    )
    op.create_index(
        "ix_cases_counts",
        "cases",
        ["status", "department_id", "named_department_id", "district", "category", "assignee_id"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index(
            "ix_cases_search_trgm",
            "cases",
            ["description", "address", "wish", "number"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops=dict.fromkeys(("description", "address", "wish", "number"), "gin_trgm_ops"),
        )
        op.execute(PG_BIGRAMS)
        op.execute(PG_SEARCH_BIGRAMS)
        op.execute(
            "CREATE INDEX ix_cases_search_bigrams ON cases "
            "USING gin (anju_search_bigrams(description, address, wish, number))"
        )
        # the frequencies of far more bigrams than the default 1,000: estimates good down to a few hundred cases
        op.execute(f"ALTER INDEX ix_cases_search_bigrams ALTER COLUMN 1 SET STATISTICS {TEXT_STATISTICS_TARGET}")
        for statement in PG_STATISTICS:
            op.execute(statement)
        op.execute(
            "ALTER TABLE cases "
            + ", ".join(f"ALTER COLUMN {c} SET STATISTICS {TEXT_STATISTICS_TARGET}" for c in SEARCHED_COLUMNS)
        )
        op.execute("ANALYZE cases")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE cases " + ", ".join(f"ALTER COLUMN {c} SET STATISTICS -1" for c in SEARCHED_COLUMNS))
        op.execute("DROP STATISTICS IF EXISTS st_cases_department_district, st_cases_department_status")
        op.drop_index("ix_cases_search_bigrams", table_name="cases")
        op.execute("DROP FUNCTION IF EXISTS anju_search_bigrams(text, text, text, text)")
        op.execute("DROP FUNCTION IF EXISTS anju_bigrams(text)")
        op.drop_index("ix_cases_search_trgm", table_name="cases")
    op.drop_index("ix_cases_counts", table_name="cases")
    op.drop_index("ix_cases_claim", table_name="cases")
    op.drop_index("ix_cases_status_department_queue", table_name="cases")
    op.drop_index("ix_cases_status_queue", table_name="cases")
    op.drop_index("ix_cases_department_queue", table_name="cases")
    op.drop_index("ix_cases_queue", table_name="cases")
    op.create_index("ix_cases_department_status_due", "cases", ["department_id", "status", "next_due"], unique=False)
    op.create_index("ix_cases_status_due", "cases", ["status", "next_due"], unique=False)
