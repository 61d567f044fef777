"""The reminders' tables: their settings, the daily queue's items and what came of each contact.

``reminder_items`` is the queue: one row per contact point of one due thing (the insurance of vehicle 12
expiring on 2027-03-01, its second call). The unique key ``(type, subject, due_on, step)`` is what makes a
build idempotent: the same thing found again (a second run, a run after a crash) is the same row, and the
insert does nothing (``ON CONFLICT DO NOTHING`` on both backends). ``contact_key`` groups a customer's items
of one day into one contact (one call about the insurance and the inspection). ``reminder_events`` is the
history of the contacts: every outcome and note, who gave it and through which call or message.

Enumerations (type, status, channel, outcome) are checked by the services, not by CHECK constraints, as in
the CRM: a new type must not rebuild a table. ``rule_id``, ``sms_id`` and ``appointment_id`` carry no
foreign key: custom rules, the SMS outbox and the appointments are other parts' tables, and a history must
outlive the message or appointment it names.
"""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from ctid.storage.db import UtcDateTime, metadata

reminder_settings = Table(
    # One row per reminder type (its settings as JSON, ctid.reminders.settings), and the inspection rule
    # table under the name ``inspection_rules``; absent rows mean the documented defaults.
    "reminder_settings",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("updated_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
)

reminder_items = Table(
    "reminder_items",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), nullable=True),
    Column("type", String(16), nullable=False),
    Column("rule_id", Integer, nullable=True),
    Column("subject", String(48), nullable=False),  # vehicle:12, customer:7, visit:88, rule:3:vehicle:12
    Column("due_on", Date, nullable=False),  # the thing's own date (the insurance expiry)
    Column("step", Integer, nullable=False),  # which contact point of the type (0: the first)
    Column("contact_on", Date, nullable=False),  # the day it is on the worklist from
    Column("expires_on", Date, nullable=False),  # unworked after this day, it expires
    Column("contact_key", String(32), nullable=False),  # customer and day: one contact
    Column("channel", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("assignee_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("outcome", String(16), nullable=True),
    Column("note", Text, nullable=False, server_default=""),
    Column("snoozed_until", Date, nullable=True),
    Column("call_back_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),  # calls that were not answered
    Column("appointment_id", Integer, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("type", "subject", "due_on", "step", name="uq_reminder_items_key"),
    # the worklists in their order (revision 0021): a branch's (or everyone's) open items up to a day, a
    # person's; the id (the rowid) ends each index, so a page is read off it and stops at its rows
    Index("ix_reminder_items_worklist_branch", "branch_id", "status", "contact_on", "contact_key"),
    Index("ix_reminder_items_worklist", "status", "contact_on", "contact_key"),
    Index("ix_reminder_items_worklist_assignee", "assignee_id", "status", "contact_on", "contact_key"),
    # a customer's history, and whether they were contacted about a thing lately
    Index("ix_reminder_items_customer_id_type", "customer_id", "type"),
    Index("ix_reminder_items_vehicle_id", "vehicle_id"),
    Index("ix_reminder_items_status_expires_on", "status", "expires_on"),
)

reminder_events = Table(
    "reminder_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("item_id", Integer, ForeignKey("reminder_items.id", ondelete="CASCADE"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("outcome", String(16), nullable=True),  # None: a note, a snooze, a reassignment
    Column("note", Text, nullable=False, server_default=""),
    Column("channel", String(8), nullable=False),
    Column("call_id", String(32), nullable=True),
    Column("sms_id", Integer, nullable=True),
    Column("appointment_id", Integer, nullable=True),
    Index("ix_reminder_events_item_id_at", "item_id", "at"),
    Index("ix_reminder_events_customer_id_at", "customer_id", "at"),
)

reminder_builds = Table(
    # Each day the queue was built for (the scheduler's run, the command's, the button's): a start after
    # days off builds the contact days since the last one built.
    "reminder_builds",
    metadata,
    Column("day", Date, primary_key=True),
    Column("built_at", UtcDateTime, nullable=False),
    Column("added", Integer, nullable=False),
)


service_due = Table(
    # Each vehicle's next service (定期保养) as the maintenance rule projects it (by time or by mileage,
    # whichever first: ctid.reminders.maintenance), kept so that the daily build reads the vehicles due
    # on a day by an index instead of projecting 1.3 million odometers each morning. Refreshed by the
    # build for the vehicles whose facts changed since (``reminder_marks``) and those whose date passed;
    # NULL: nothing to count from. Derived data: deleting every row only costs one full projection.
    "reminder_service_due",
    metadata,
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", Integer, nullable=False),
    Column("due_on", Date, nullable=True),
    Column("computed_at", UtcDateTime, nullable=False),
    Index("ix_reminder_service_due_branch_id_due_on", "branch_id", "due_on"),
)


reminder_marks = Table(
    # How far a derived table has read (the projection's last refresh: its time, the newest visit and
    # reading it saw, the settings it used), as JSON by name.
    "reminder_marks",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)
