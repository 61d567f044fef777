"""``job_runs``: when each daily job last ran to its end (ctid.jobs), so a daemon that was down at a job's
time runs it once soon after the next start. One small table, the same on SQLite and PostgreSQL.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("last_run_at", UtcDateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
