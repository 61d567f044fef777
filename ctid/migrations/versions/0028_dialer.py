"""The auto-dialer's tables: ``campaigns``, ``campaign_contacts`` (each contact's own state, so the next one
is an index range), ``dial_attempts`` (written before the dial, ended after it: a crash leaves it without
an end, marked unknown at the restart) and the do-not-call list ``dnc_numbers``.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("branch_id", sa.Integer, sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, server_default="draft"),
        sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.Column("started_at", UtcDateTime, nullable=True),
        sa.Column("ended_at", UtcDateTime, nullable=True),
    )
    op.create_index("ix_campaigns_state", "campaigns", ["state"])
    op.create_table(
        "campaign_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "customer_id", sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("number_e164", sa.String(20), nullable=True),
        sa.Column("reminder_item_id", sa.Integer, nullable=True),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_try_at", UtcDateTime, nullable=False),
        sa.Column("call_back", sa.Boolean, nullable=False, server_default="0"),
        sa.Column(
            "call_back_user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True
        ),
        sa.Column("last_result", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("updated_at", UtcDateTime, nullable=False),
        sa.UniqueConstraint(
            "campaign_id", "customer_id", name="uq_campaign_contacts_campaign_id_customer_id"
        ),
    )
    op.create_index(
        "ix_campaign_contacts_next", "campaign_contacts", ["campaign_id", "status", "next_try_at"]
    )
    op.create_index("ix_campaign_contacts_reminder_item_id", "campaign_contacts", ["reminder_item_id"])
    op.create_table(
        "dial_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "campaign_id", sa.Integer, sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column(
            "contact_id",
            sa.Integer,
            sa.ForeignKey("campaign_contacts.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("number_e164", sa.String(20), nullable=False),
        sa.Column("line", sa.String(40), nullable=False),
        sa.Column("operator_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.Column("started_at", UtcDateTime, nullable=False),
        sa.Column("answered_at", UtcDateTime, nullable=True),
        sa.Column("ended_at", UtcDateTime, nullable=True),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("dtmf", sa.String(16), nullable=False, server_default=""),
        sa.Column("call_id", sa.String(32), nullable=True),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_dial_attempts_campaign_id_started_at", "dial_attempts", ["campaign_id", "started_at"])
    op.create_index("ix_dial_attempts_contact_id", "dial_attempts", ["contact_id"])
    op.create_index("ix_dial_attempts_line_started_at", "dial_attempts", ["line", "started_at"])
    op.create_index("ix_dial_attempts_ended_at", "dial_attempts", ["ended_at"])
    op.create_table(
        "dnc_numbers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number_e164", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", UtcDateTime, nullable=False),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
        sa.UniqueConstraint("number_e164", name="uq_dnc_numbers_number_e164"),
    )


def downgrade() -> None:
    op.drop_table("dnc_numbers")
    op.drop_table("dial_attempts")
    op.drop_table("campaign_contacts")
    op.drop_table("campaigns")
