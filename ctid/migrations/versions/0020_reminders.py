"""The reminders' tables (issue 17): ``reminder_settings`` (each type's settings, the inspection rule table),
``reminder_items`` (the daily queue: one row per contact point of one due thing, unique on
``(type, subject, due_on, step)`` so that a build found twice adds nothing) and ``reminder_events`` (what
came of each contact: the customer's reminder history), ``reminder_builds`` (the days built, so that a
start after days off catches their contact days up). Two indexes let the build read a day's due dates
from the CRM without a scan: ``customers (branch_id, licence_review_on)`` and ``vehicles (branch_id,
warranty_expiry)`` (one sort of each table: seconds at a million rows).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

_ITEM_INDEXES = {
    "ix_reminder_items_branch_id_status_contact_on": ["branch_id", "status", "contact_on"],
    "ix_reminder_items_status_contact_on": ["status", "contact_on"],
    "ix_reminder_items_assignee_id_status_contact_on": ["assignee_id", "status", "contact_on"],
    "ix_reminder_items_customer_id_type": ["customer_id", "type"],
    "ix_reminder_items_vehicle_id": ["vehicle_id"],
    "ix_reminder_items_status_expires_on": ["status", "expires_on"],
}
_EVENT_INDEXES = {
    "ix_reminder_events_item_id_at": ["item_id", "at"],
    "ix_reminder_events_customer_id_at": ["customer_id", "at"],
}


def upgrade() -> None:
    op.create_table(
        "reminder_settings",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("updated_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    )
    op.create_table(
        "reminder_items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("vehicle_id", sa.Integer, sa.ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("rule_id", sa.Integer, nullable=True),
        sa.Column("subject", sa.String(48), nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
        sa.Column("step", sa.Integer, nullable=False),
        sa.Column("contact_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("contact_key", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("assignee_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("snoozed_until", sa.Date, nullable=True),
        sa.Column("call_back_at", UtcDateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("appointment_id", sa.Integer, nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint("type", "subject", "due_on", "step", name="uq_reminder_items_key"),
    )
    for name, columns in _ITEM_INDEXES.items():
        op.create_index(name, "reminder_items", columns)
    op.create_table(
        "reminder_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "item_id", sa.Integer, sa.ForeignKey("reminder_items.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", UtcDateTime, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("call_id", sa.String(32), nullable=True),
        sa.Column("sms_id", sa.Integer, nullable=True),
        sa.Column("appointment_id", sa.Integer, nullable=True),
    )
    for name, columns in _EVENT_INDEXES.items():
        op.create_index(name, "reminder_events", columns)
    op.create_table(
        "reminder_builds",
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("built_at", UtcDateTime, nullable=False),
        sa.Column("added", sa.Integer, nullable=False),
    )
    op.create_index(
        "ix_customers_branch_id_licence_review_on", "customers", ["branch_id", "licence_review_on"]
    )
    op.create_index("ix_vehicles_branch_id_warranty_expiry", "vehicles", ["branch_id", "warranty_expiry"])


def downgrade() -> None:
    op.drop_index("ix_vehicles_branch_id_warranty_expiry", "vehicles")
    op.drop_index("ix_customers_branch_id_licence_review_on", "customers")
    op.drop_table("reminder_builds")
    op.drop_table("reminder_events")
    op.drop_table("reminder_items")
    op.drop_table("reminder_settings")
