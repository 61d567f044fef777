"""The SMS outbox (``sms_messages``, one row a message, written before it is sent), the provider's ids of
each sent message (``sms_parts``: a modem gives one reference a part, reused after 255, so a delivery report
is matched to the newest message of that sender with that reference), and the templates (``sms_templates``,
the presets the reminders send from)."""

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from ctid.storage.db import UtcDateTime, metadata

sms_messages = Table(
    "sms_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("customer_id", Integer, nullable=True, index=True),  # a key only: messaging knows no customers
    Column("number", String(20), nullable=False, index=True),  # E.164
    Column("text", Text, nullable=False),
    Column("template_key", String(40), nullable=True),
    Column("template_code", String(64), nullable=True),
    Column("params", Text, nullable=True),  # JSON object of strings
    Column("purpose", String(16), nullable=False),
    Column("topic", String(32), nullable=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_try_at", UtcDateTime, nullable=True),
    Column("sender", String(40), nullable=True),
    Column("error", Text, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("delivered_at", UtcDateTime, nullable=True),
    Index("ix_sms_messages_status", "status", "next_try_at"),
    Index("ix_sms_messages_branch_created", "branch_id", "created_at"),
)

sms_parts = Table(
    "sms_parts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "message_id", Integer, ForeignKey("sms_messages.id", ondelete="CASCADE"), nullable=False, index=True
    ),
    Column("sender", String(40), nullable=False),
    Column("provider_id", String(64), nullable=False),
    Column("status", String(16), nullable=True),  # a DeliveryStatus once reported
    Index("ix_sms_parts_provider", "sender", "provider_id"),
)

sms_templates = Table(
    "sms_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(40), nullable=False),
    Column("name", String(64), nullable=False),
    Column("text", Text, nullable=False),
    Column("provider_code", String(64), nullable=True),  # the cloud gateways' registered template code
    Column("reminder_type", String(32), nullable=True),  # the preset for this kind of reminder
    Column("lead_days", Integer, nullable=True),
    Column("auto_send", Boolean, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("key", name="uq_sms_templates_key"),
)
