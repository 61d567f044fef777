"""Service appointments (预约): a car expected on a day, in a time slot, with an advisor (服务顾问).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id", ondelete="SET NULL"), nullable=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("slot", sa.String(5), nullable=False),
        sa.Column(
            "service_item_id",
            sa.Integer,
            sa.ForeignKey("service_catalogue.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("service", sa.String(100), nullable=False, server_default=""),
        sa.Column("advisor_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="booked"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("source", sa.String(16), nullable=False, server_default="api"),
        sa.Column("reminder_item_id", sa.Integer, nullable=True),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("confirmed_at", UtcDateTime, nullable=True),
        sa.Column("reminded_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_appointments_branch_id_day_slot", "appointments", ["branch_id", "day", "slot"])
    op.create_index("ix_appointments_advisor_id_day_slot", "appointments", ["advisor_id", "day", "slot"])
    op.create_index("ix_appointments_customer_id_day", "appointments", ["customer_id", "day"])


def downgrade() -> None:
    op.drop_table("appointments")
