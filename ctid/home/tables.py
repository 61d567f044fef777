"""Announcements admins post on everyone's start page (a branch's, or every branch's when ``branch_id`` is
NULL), shown until ``expires_on`` (inclusive; NULL: until deleted)."""

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from ctid.storage.db import UtcDateTime, metadata

announcements = Table(
    "announcements",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("branch_id", Integer, ForeignKey("branches.id", ondelete="CASCADE"), nullable=True),
    Column("title", String(100), nullable=False),
    Column("body", Text, nullable=False, server_default=""),
    Column("created_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_on", Date, nullable=True),
    Index("ix_announcements_expires_on", "expires_on"),
)
