"""Every table, gathered on one MetaData for Alembic (each package defines its own in tables.py)."""

from ctid.accounts import tables as _accounts
from ctid.audit import tables as _audit
from ctid.calls import tables as _calls
from ctid.crm import prospect_tables as _prospects
from ctid.crm import tables as _crm
from ctid.dialer import tables as _dialer
from ctid.home import tables as _home
from ctid.jobs import tables as _jobs
from ctid.messaging import tables as _messaging
from ctid.recording import tables as _recording
from ctid.reminders import appointment_tables as _appointments
from ctid.reminders import tables as _reminders
from ctid.storage.db import metadata

__all__ = ["metadata"]
del _accounts, _appointments, _audit, _calls, _crm, _dialer, _home, _jobs, _messaging, _prospects, _recording
del _reminders
