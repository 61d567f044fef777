"""A recording's customer is its call's: ``recordings.customer_id`` goes, and the recordings read the
customer (and the operator's note) from their call in the call log.

Why: the recorder copied the customer when the caller ID matched exactly one customer, and never again: a
customer picked among candidates or created from the pop reached the call, not its recording. Read from
the call, they cannot disagree. A customer only the recording had (its call had none) is given to the call
first, so none is lost; a recording's call is always in the log (it is written from the first ring).

SQLite drops the column in place (3.35+; its index first), no table is rebuilt.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_recordings = sa.table(
    "recordings",
    sa.column("call_id", sa.String),
    sa.column("customer_id", sa.Integer),
)
_calls = sa.table("calls", sa.column("id", sa.String), sa.column("customer_id", sa.Integer))


def upgrade() -> None:
    theirs = (
        sa.select(sa.func.min(_recordings.c.customer_id))
        .where(_recordings.c.call_id == _calls.c.id, _recordings.c.customer_id.is_not(None))
        .scalar_subquery()
    )
    op.execute(
        _calls.update().where(_calls.c.customer_id.is_(None), theirs.is_not(None)).values(customer_id=theirs)
    )
    op.drop_index("ix_recordings_customer_id", table_name="recordings")
    op.drop_column("recordings", "customer_id")


def downgrade() -> None:
    op.add_column("recordings", sa.Column("customer_id", sa.Integer, nullable=True))
    op.create_index("ix_recordings_customer_id", "recordings", ["customer_id"])
    of_the_call = (
        sa.select(_calls.c.customer_id).where(_calls.c.id == _recordings.c.call_id).scalar_subquery()
    )
    op.execute(_recordings.update().values(customer_id=of_the_call))
