"""The calls table, and the wrap-up results a call may be given (``wrap_up_codes``: kept by admins; the
dialer uses the same list)."""

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from ctid.storage.db import UtcDateTime, metadata

calls = Table(
    "calls",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("line", String(40), nullable=False, index=True),
    Column("direction", String(8), nullable=False),
    Column("number", String(40), nullable=True),
    Column("number_e164", String(20), nullable=True, index=True),
    Column("name", String(100), nullable=True),
    Column("reason", String(16), nullable=True),
    Column("customer_id", Integer, nullable=True, index=True),
    Column("started_at", UtcDateTime, nullable=False, index=True),
    Column("identified_at", UtcDateTime, nullable=True),
    Column("answered_at", UtcDateTime, nullable=True),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("outcome", String(16), nullable=True, index=True),
    Column("end_reason", String(16), nullable=True),
    Column("rings", Integer, nullable=False, server_default="0"),
    Column("duration_s", Float, nullable=True),
    Column("talk_s", Float, nullable=True),
    Column("note", Text, nullable=True),
    Column("note_by", Integer, nullable=True),
    Column("note_at", UtcDateTime, nullable=True),
    Column("handled_by", Integer, nullable=True, index=True),
    Column("handled_how", String(16), nullable=True),
    Column("result", String(32), nullable=True, index=True),  # a wrap_up_codes code
    Column("result_by", Integer, nullable=True),
    Column("result_at", UtcDateTime, nullable=True),
)

"""``handled_by``: the operator who handled the call and ``handled_how`` why it is theirs (dialled, took,
only ready, note: ctid.calls.attribution)."""

wrap_up_codes = Table(
    "wrap_up_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(32), nullable=False),
    Column("label", String(64), nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("active", Boolean, nullable=False, server_default="1"),
    UniqueConstraint("code", name="uq_wrap_up_codes_code"),
    UniqueConstraint("label", name="uq_wrap_up_codes_label"),
)

call_missed_by = Table(
    "call_missed_by",
    metadata,
    Column("call_id", String(32), ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", Integer, primary_key=True, index=True),
)
"""The operators a missed call counts against: those ready on its line while it rang."""


dnc_numbers = Table(
    # The do-not-call list (number, reason, date): checked at every dial, a campaign's or by hand from the
    # console (ctid.calls.dnc). Created with the dialer's tables (revision 0028).
    "dnc_numbers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number_e164", String(20), nullable=False),
    Column("reason", String(200), nullable=False, server_default=""),
    Column("created_at", UtcDateTime, nullable=False),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    UniqueConstraint("number_e164", name="uq_dnc_numbers_number_e164"),
)
