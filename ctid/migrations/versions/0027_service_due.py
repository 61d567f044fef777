"""The maintenance reminders' projection: each vehicle's next service by time or mileage
(``reminder_service_due``, indexed by branch and date so the daily build reads a day's vehicles), the marks
of how far it has read (``reminder_marks``), and vehicles by their last change (what the projection must
compute again).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_service_due",
        sa.Column(
            "vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("branch_id", sa.Integer, nullable=False),
        sa.Column("due_on", sa.Date, nullable=True),
        sa.Column("computed_at", UtcDateTime, nullable=False),
    )
    op.create_index(
        "ix_reminder_service_due_branch_id_due_on", "reminder_service_due", ["branch_id", "due_on"]
    )
    op.create_table(
        "reminder_marks",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_vehicles_updated_at", "vehicles", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_vehicles_updated_at", "vehicles")
    op.drop_table("reminder_marks")
    op.drop_index("ix_reminder_service_due_branch_id_due_on", "reminder_service_due")
    op.drop_table("reminder_service_due")
