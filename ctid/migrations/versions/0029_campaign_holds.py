"""A preview campaign's card held for the operator it is shown to: ``campaign_contacts.held_by`` (a user id)
and ``held_until`` (when the hold lapses by itself), so two operators are never shown the same contact.

Plain nullable columns, no foreign key: an ALTER on both backends, no copy of the table; a hold of a user
who went away lapses at ``held_until`` like any other.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

from ctid.storage.db import UtcDateTime

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("campaign_contacts", sa.Column("held_by", sa.Integer, nullable=True))
    op.add_column("campaign_contacts", sa.Column("held_until", UtcDateTime, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("campaign_contacts") as batch:
        batch.drop_column("held_until")
        batch.drop_column("held_by")
