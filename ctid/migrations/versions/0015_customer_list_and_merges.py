"""The customer list's pinyin order and merged customers.

``customers.name_key``: each name as the list sorts it (ctid.crm.pinyin.sort_key: 李四 ``li si ``, 张三
``zhang san ``), so the list reads 李 before 张 on SQLite and PostgreSQL alike (by code point they come the
other way round, and a server's collation is its own). A column, not an ORDER BY expression: pinyin is read
in Python (pypinyin), which no database can call; written from then on with the search index
(ctid.crm.search_store.refresh). Compared in the "C" collation on PostgreSQL, indexed with the branch.
Filled here in id order, in batches: a million names read once each (names repeat, the reading is cached).

``customer_merges``: a merged customer's old id and the customer it went into (ctid.merging), so an old
link leads to the one kept instead of a 404.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.crm import search_store
from ctid.crm.tables import NAME_KEY
from ctid.storage.db import UtcDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customers", sa.Column("name_key", NAME_KEY, nullable=False, server_default=""))
    search_store.fill_sort_keys_connection(op.get_bind())
    op.create_index("ix_customers_branch_id_name_key", "customers", ["branch_id", "name_key"])
    op.create_table(
        "customer_merges",
        sa.Column("merged_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kept_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("merged_at", UtcDateTime, nullable=False),
        sa.Column("merged_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_index("ix_customer_merges_kept_id", "customer_merges", ["kept_id"])


def downgrade() -> None:
    op.drop_index("ix_customer_merges_kept_id", "customer_merges")
    op.drop_table("customer_merges")
    op.drop_index("ix_customers_branch_id_name_key", "customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("name_key")
