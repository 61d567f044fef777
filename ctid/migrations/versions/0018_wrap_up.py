"""Wrap-up results: the list of results a call may end with (``wrap_up_codes``, kept by admins, seeded with a
service desk's usual ones), and the result the operator gave a call (``calls.result``, by whom and when).

The call keeps the code, not the label: a code never changes once made (the label may), and a retired code
stays in the list, so every call's result stays readable. The new columns of ``calls`` are added in place
(no copy of the call log); the index on ``result`` is one read of the table.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# code (an English word, what programs and the dialer send), label (what the desk reads)
CODES = (
    ("enquiry", "咨询"),
    ("appointment", "预约"),
    ("complaint", "投诉"),
    ("follow_up_done", "回访成功"),
    ("no_answer", "无人接听"),
    ("wrong_number", "打错电话"),
    ("other", "其他"),
)


def upgrade() -> None:
    codes = op.create_table(
        "wrap_up_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.UniqueConstraint("code", name="uq_wrap_up_codes_code"),
        sa.UniqueConstraint("label", name="uq_wrap_up_codes_label"),
    )
    rows = [
        {"code": code, "label": label, "position": (i + 1) * 10, "active": True}
        for i, (code, label) in enumerate(CODES)
    ]
    op.bulk_insert(codes, rows)
    with op.batch_alter_table("calls") as batch:
        batch.add_column(sa.Column("result", sa.String(32), nullable=True))
        batch.add_column(sa.Column("result_by", sa.Integer, nullable=True))
        batch.add_column(sa.Column("result_at", UtcDateTime, nullable=True))
    op.create_index("ix_calls_result", "calls", ["result"])


def downgrade() -> None:
    op.drop_index("ix_calls_result", "calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("result_at")
        batch.drop_column("result_by")
        batch.drop_column("result")
    op.drop_table("wrap_up_codes")
