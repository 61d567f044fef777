"""A customer's lunar birthday (农历生日): the birth date stays the solar one entered, the flag says the
customer keeps its lunar month-day, which falls on another solar day each year (ctid.crm.lunar).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # added where it stands (no batch copy of a million customers): a constant default is a plain ALTER
    op.add_column(
        "customers", sa.Column("birthday_lunar", sa.Boolean, nullable=False, server_default=sa.false())
    )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("birthday_lunar")
