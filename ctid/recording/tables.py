"""The recordings table and the log of who listened to which recording."""

from sqlalchemy import BigInteger, Column, Float, Index, Integer, String, Table, Text

from ctid.storage.db import UtcDateTime, metadata

recordings = Table(
    "recordings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("call_id", String(32), nullable=True, index=True),
    Column("line", String(40), nullable=False, index=True),
    Column("branch_id", Integer, nullable=True, index=True),
    Column("direction", String(8), nullable=False),
    Column("number", String(40), nullable=True),
    Column("number_e164", String(20), nullable=True, index=True),
    Column("operator_id", Integer, nullable=True, index=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ended_at", UtcDateTime, nullable=True),
    Column("duration_s", Float, nullable=True),
    Column("paused_s", Float, nullable=False, server_default="0"),
    # recording -> finished (WAV whole) -> ready (transcoded); "repaired" after a crash; "failed"; "deleted"
    Column("status", String(16), nullable=False, index=True),
    Column("format", String(8), nullable=False),
    Column("path", String(300), nullable=False),
    Column("size_bytes", BigInteger, nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("sample_rate", Integer, nullable=False),
    Column("source", String(16), nullable=False),  # tap, modem, sim
    Column("problem", String(300), nullable=True),  # what went wrong or what a repair fixed
    Column("note", Text, nullable=True),
    Column("tags", String(400), nullable=False, server_default=""),  # ",tag,tag," for LIKE '%,tag,%'
    Column("deleted_at", UtcDateTime, nullable=True),
    Index("ix_recordings_started_at", "started_at"),
)

recording_access = Table(
    "recording_access",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("recording_id", Integer, nullable=False, index=True),
    Column("user_id", Integer, nullable=True),
    Column("user_name", String(80), nullable=False),
    Column("action", String(16), nullable=False),  # play, download, delete
    Column("at", UtcDateTime, nullable=False, index=True),
    Column("address", String(64), nullable=False, server_default=""),
    Column("user_agent", String(200), nullable=False, server_default=""),
)
