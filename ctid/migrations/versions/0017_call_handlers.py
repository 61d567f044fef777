"""Which operator handled a call (``calls.handled_by``, ``handled_how``) and whom a missed call counts
against (``call_missed_by``): ctid.calls.attribution.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("calls", sa.Column("handled_by", sa.Integer, nullable=True))
    op.add_column("calls", sa.Column("handled_how", sa.String(16), nullable=True))
    op.create_index("ix_calls_handled_by", "calls", ["handled_by"])
    op.create_table(
        "call_missed_by",
        sa.Column("call_id", sa.String(32), sa.ForeignKey("calls.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("user_id", sa.Integer, primary_key=True),
    )
    op.create_index("ix_call_missed_by_user_id", "call_missed_by", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_call_missed_by_user_id", "call_missed_by")
    op.drop_table("call_missed_by")
    op.drop_index("ix_calls_handled_by", "calls")
    with op.batch_alter_table("calls") as batch:
        batch.drop_column("handled_how")
        batch.drop_column("handled_by")
