"""A customer's e-mail address (the reminders' e-mail channel): nullable, no address being the common case;
checked by ctid.crm.email_address before it is written.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a nullable column without a default: a plain ALTER on both backends, no copy of a million customers
    op.add_column("customers", sa.Column("email", sa.String(254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("email")
