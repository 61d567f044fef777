"""Every table, gathered on one MetaData for Alembic (each package defines its own in tables.py)."""

from ctid.accounts import tables as _accounts
from ctid.audit import tables as _audit
from ctid.calls import tables as _calls
from ctid.crm import tables as _crm
from ctid.db import metadata

__all__ = ["metadata"]
del _accounts, _audit, _calls, _crm
