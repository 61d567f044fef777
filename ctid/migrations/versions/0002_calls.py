"""The call log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("line", sa.String(40), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("number_e164", sa.String(20), nullable=True),
        sa.Column("name", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(16), nullable=True),
        sa.Column("customer_id", sa.Integer, nullable=True),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("identified_at", UtcDateTime, nullable=True),
        sa.Column("answered_at", UtcDateTime, nullable=True),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("end_reason", sa.String(16), nullable=True),
        sa.Column("rings", sa.Integer, nullable=False, server_default="0"),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("talk_s", sa.Float, nullable=True),
    )
    for column in ("line", "number_e164", "customer_id", "started_at", "outcome"):
        op.create_index(f"ix_calls_{column}", "calls", [column])


def downgrade() -> None:
    op.drop_table("calls")
