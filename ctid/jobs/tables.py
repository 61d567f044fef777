"""When each daily job last ran to its end, so a start knows whether the daemon was down at its time."""

from sqlalchemy import Column, String, Table

from ctid.storage.db import UtcDateTime, metadata

job_runs = Table(
    "job_runs",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("last_run_at", UtcDateTime, nullable=False),
)
