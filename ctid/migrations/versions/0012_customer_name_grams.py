"""CRM search: ``customer_name_grams``, each customer's name cut into the one- and two-character pieces that
hold a Chinese character (ctid.crm.search.name_grams), so that ``伟`` and ``恒通`` find 张伟 and 广州恒通物流
(the trigram index of 0007 finds nothing under three characters). A plain table and a B-tree index: the
same on SQLite and PostgreSQL.

Filling a million customers: names read in id order, in batches, cut in Python (once per distinct name),
and the grams appended in the table's key order (customer, gram); the ``(gram, branch_id, customer_id)``
index is built after, one sort instead of millions of inserts at random places. A bigger page cache for the
duration keeps the sort in memory.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.crm import search_store

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_CACHE_KIB = 256 * 1024


def upgrade() -> None:
    op.create_table(
        "customer_name_grams",
        sa.Column("customer_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("gram", sa.String(2), primary_key=True),
        sa.Column("branch_id", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    before = bind.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
    if sqlite:
        bind.exec_driver_sql(f"PRAGMA cache_size=-{_CACHE_KIB}")
    try:
        search_store.fill_grams_connection(bind)
        op.create_index(
            "ix_customer_name_grams_gram", "customer_name_grams", ["gram", "branch_id", "customer_id"]
        )
    finally:
        if sqlite:
            bind.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def downgrade() -> None:
    op.drop_index("ix_customer_name_grams_gram", "customer_name_grams")
    op.drop_table("customer_name_grams")
