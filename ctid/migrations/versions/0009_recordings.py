"""Call recordings (one row per recorded call: where the file is, what it holds, its checksum) and the
log of every playback and download.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("call_id", sa.String(32), nullable=True, index=True),
        sa.Column("line", sa.String(40), nullable=False, index=True),
        sa.Column("branch_id", sa.Integer, nullable=True, index=True),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("number", sa.String(40), nullable=True),
        sa.Column("number_e164", sa.String(20), nullable=True, index=True),
        sa.Column("customer_id", sa.Integer, nullable=True, index=True),
        sa.Column("operator_id", sa.Integer, nullable=True, index=True),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.Column("duration_s", sa.Float, nullable=True),
        sa.Column("paused_s", sa.Float, nullable=False, server_default="0"),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("path", sa.String(300), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("sample_rate", sa.Integer, nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("problem", sa.String(300), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.Column("tags", sa.String(400), nullable=False, server_default=""),
        sa.Column("deleted_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_recordings_started_at", "recordings", ["started_at"])
    op.create_table(
        "recording_access",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("recording_id", sa.Integer, nullable=False, index=True),
        sa.Column("user_id", sa.Integer, nullable=True),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False, index=True),
        sa.Column("address", sa.String(64), nullable=False, server_default=""),
        sa.Column("user_agent", sa.String(200), nullable=False, server_default=""),
    )


def downgrade() -> None:
    op.drop_table("recording_access")
    op.drop_index("ix_recordings_started_at", "recordings")
    op.drop_table("recordings")
