"""Vehicles by registration date: the daily reminder build reads the cars whose inspection by the rule
table falls due (registered in given months of past years) twice a month; without an index that read
scanned every vehicle (22 s of the bench's million-customer build on those days, against 5 s on others).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_vehicles_branch_id_registration_date", "vehicles", ["branch_id", "registration_date"])


def downgrade() -> None:
    op.drop_index("ix_vehicles_branch_id_registration_date", "vehicles")
