"""Visits by the time they closed: the daily reminder build reads the visits closed on one day (the
follow-up call N days after, 维修跟踪回访), which without an index was a scan of every visit.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_visits_closed_at", "visits", ["closed_at"])


def downgrade() -> None:
    op.drop_index("ix_visits_closed_at", "visits")
