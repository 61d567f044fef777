"""CRM search on PostgreSQL: the pg_trgm extension, ``customer_search`` as a plain table with a trigram GIN
index per column (what SQLite's FTS5 trigram table of 0007 is there), filled from the records, and the
customers' names indexed in the "C" collation for the prefix searches (ctid.crm.search_store). Nothing on
SQLite, where 0007 built the index.

``CREATE EXTENSION pg_trgm`` needs no superuser since PostgreSQL 13 (a trusted extension): the owner of
the database may create it. The indexes are built after the rows are in: one sort each instead of a
million inserts into a GIN index.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.crm import search_store

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = ("name", "pinyin", "phones", "plates", "vins")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        search_store.TABLE,
        sa.Column(
            "customer_id",
            sa.Integer,
            sa.ForeignKey("customers.id", ondelete="CASCADE"),
            primary_key=True,
            autoincrement=False,
        ),
        *(sa.Column(name, sa.Text, nullable=False, server_default="") for name in _COLUMNS),
    )
    search_store.fill_server(bind)
    for name in _COLUMNS:
        op.execute(
            f"CREATE INDEX ix_{search_store.TABLE}_{name} ON {search_store.TABLE} "
            f"USING gin ({name} gin_trgm_ops)"
        )
    op.execute('CREATE INDEX ix_customers_branch_id_name_c ON customers (branch_id, name COLLATE "C")')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_customers_branch_id_name_c")
    op.drop_table(search_store.TABLE)
