"""Operators' notes on calls, written from the console.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=True))
        batch.add_column(sa.Column("note_by", sa.Integer, nullable=True))
        batch.add_column(sa.Column("note_at", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("note_at")
        batch.drop_column("note_by")
        batch.drop_column("note")
