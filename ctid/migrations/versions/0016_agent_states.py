"""``agent_states`` and ``agent_state_log``: the ready / break state an operator sets on the console, and the
history of every operator's state (ready, break, offline) so time on break can be counted
(ctid.accounts.agents).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agent_states",
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("since", UtcDateTime, nullable=False),
    )
    op.create_table(
        "agent_state_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", UtcDateTime, nullable=False),
    )
    op.create_index("ix_agent_state_log_user_at", "agent_state_log", ["user_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_agent_state_log_user_at", "agent_state_log")
    op.drop_table("agent_state_log")
    op.drop_table("agent_states")
