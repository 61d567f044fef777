"""The appointments table (预约): a car expected on a day, in a slot, with an advisor.

``(branch_id, day, slot)`` serves the day and week views and the start page, ``(advisor_id, day, slot)``
the slot's capacity check, ``(customer_id, day)`` the pop's next appointment and the customer's history.
A reminder item that led to the booking is kept by id (``reminder_item_id``): the queue's table has its own
lifetime (items expire and are purged), and the appointment must outlive it.
"""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from ctid.storage.db import UtcDateTime, metadata

appointments = Table(
    "appointments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id"), nullable=False),
    Column("customer_id", Integer, ForeignKey("customers.id", ondelete="CASCADE"), nullable=False),
    Column("vehicle_id", Integer, ForeignKey("vehicles.id", ondelete="SET NULL"), nullable=True),
    Column("day", Date, nullable=False),
    Column("slot", String(5), nullable=False),  # "HH:MM" in site time: sorts as text
    Column(
        "service_item_id", Integer, ForeignKey("service_catalogue.id", ondelete="SET NULL"), nullable=True
    ),
    Column("service", String(100), nullable=False, server_default=""),
    Column("advisor_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("status", String(16), nullable=False, server_default="booked"),
    Column("note", Text, nullable=False, server_default=""),
    Column("source", String(16), nullable=False, server_default="api"),
    Column("reminder_item_id", Integer, nullable=True),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # the SMS sent about it (the outbox's rows say what and when; these say "not again")
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("reminded_at", UtcDateTime, nullable=True),
    Index("ix_appointments_branch_id_day_slot", "branch_id", "day", "slot"),
    Index("ix_appointments_advisor_id_day_slot", "advisor_id", "day", "slot"),
    Index("ix_appointments_customer_id_day", "customer_id", "day"),
)
