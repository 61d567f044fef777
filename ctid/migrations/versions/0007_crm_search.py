"""CRM search: ``customer_search``, an FTS5 table with the trigram tokenizer, one row per customer (rowid =
customer id) with their name, its pinyin, their phones' digits, their vehicles' plates and VINs, filled from
the records (see ctid.crm.search_store).

Nothing on PostgreSQL: revision 0013 builds its equivalent there (pg_trgm, a table of the same columns with a
trigram GIN index per column).

Filling a million customers: one statement reads each customer with their phones, plates and VINs
(``group_concat`` subqueries on the tables' customer indexes), in batches by id; the pinyin is computed in
Python (once per distinct name) and the rows written with ``executemany``. A bigger page cache for the
duration keeps the index's merges in memory.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from alembic import op

from ctid.crm import search_store

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_CACHE_KIB = 256 * 1024


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    bind.exec_driver_sql(search_store.CREATE)
    before = bind.exec_driver_sql("PRAGMA cache_size").scalar()
    bind.exec_driver_sql(f"PRAGMA cache_size=-{_CACHE_KIB}")
    try:
        search_store.fill_connection(bind)
    finally:
        bind.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP TABLE IF EXISTS {search_store.TABLE}")
