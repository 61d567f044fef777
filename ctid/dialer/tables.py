"""The dialer's tables: campaigns, their contacts and every attempt (the do-not-call list is the call log's:
``ctid.calls.tables.dnc_numbers``, checked at every dial, campaign or by hand).

``dial_attempts`` rows are written before the dial and marked after it (as the SMS outbox's messages are),
so a daemon killed mid-call leaves an attempt without an end: the restart marks it ``unknown`` and its
contact waits its retry delay, never dialled again blindly. ``campaign_contacts`` carry their own state
(attempts, the next try, dialling now) so that choosing the next contact is one index range:
``(campaign_id, status, next_try_at)``.

Enumerations are checked by the services, not by CHECK constraints (as in the CRM); the campaign's settings
that are lists (lines, operators, the reminder types it was built from, the calling hours, retry delays, the
broadcast prompt) are JSON, read and checked by ``ctid.dialer.campaign_json``.
"""

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from ctid.storage.db import UtcDateTime, metadata

campaigns = Table(
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("mode", String(16), nullable=False),  # preview, progressive, broadcast
    Column("state", String(16), nullable=False, server_default="draft"),
    Column("priority", Integer, nullable=False, server_default="0"),  # higher first, across campaigns
    Column("settings", Text, nullable=False),  # JSON: lines, operators, hours, retries, source, prompt
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("started_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Index("ix_campaigns_state", "state"),
)

campaign_contacts = Table(
    "campaign_contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=True),
    Column("number_e164", String(20), nullable=True),  # chosen when the campaign was built
    Column("reminder_item_id", Integer, nullable=True),  # the item it works, if built from the queue
    Column("status", String(16), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_try_at", UtcDateTime, nullable=False),  # when it may be dialled: the order they go in
    Column("call_back", Boolean, nullable=False, server_default="0"),  # next_try_at was asked for
    Column("call_back_user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("last_result", String(16), nullable=True),
    Column("reason", String(200), nullable=False, server_default=""),  # why excluded or skipped
    Column("updated_at", UtcDateTime, nullable=False),
    # a preview card shown to an operator is theirs until held_until (ctid.dialer.desk): never two at once
    Column("held_by", Integer, nullable=True),
    Column("held_until", UtcDateTime, nullable=True),
    UniqueConstraint("campaign_id", "customer_id", name="uq_campaign_contacts_campaign_id_customer_id"),
    # the next contact: pending, due, the longest waiting first (one range of this index)
    Index("ix_campaign_contacts_next", "campaign_id", "status", "next_try_at"),
    Index("ix_campaign_contacts_reminder_item_id", "reminder_item_id"),
)

dial_attempts = Table(
    "dial_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", Integer, ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    Column("contact_id", Integer, ForeignKey("campaign_contacts.id", ondelete="CASCADE"), nullable=False),
    Column("number_e164", String(20), nullable=False),
    Column("line", String(40), nullable=False),
    Column("operator_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),  # NULL: in flight (or lost in a crash)
    Column("result", String(16), nullable=True),
    Column("dtmf", String(16), nullable=False, server_default=""),
    Column("call_id", String(32), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Index("ix_dial_attempts_campaign_id_started_at", "campaign_id", "started_at"),
    Index("ix_dial_attempts_contact_id", "contact_id"),
    Index("ix_dial_attempts_line_started_at", "line", "started_at"),  # a line's health
    Index("ix_dial_attempts_ended_at", "ended_at"),  # the ones in flight at a restart
)
