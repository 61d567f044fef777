"""What ``ctid db copy`` (ctid.storage.copying) must know of ctid's own schema: every table, the one the
migrations fill, and the search index that is built anew on the target rather than copied (an FTS5 table
on SQLite, a plain table with trigram indexes on PostgreSQL: not the same table on both)."""

from __future__ import annotations

from ctid.crm import search_store
from ctid.storage.copying import CopyPlan
from ctid.tables import metadata

PLAN = CopyPlan(
    metadata=metadata,
    seeded=frozenset(
        {"crm_options", "wrap_up_codes", "sms_templates"}
    ),  # 0008's options, 0018's results, 0022's presets
    derived=(search_store.TABLE,),
    rebuild=search_store.rebuild,
)
