"""Every vehicle's current reading is in its mileage history: a vehicle with a mileage and no reading (the
demo's, the bulk generator's, one written before the history existed in 0006) gets its mileage as a reading
of the day it was last changed.

Why: a new reading is checked against the readings around it, so a mileage outside the history was no
check at all; closing a visit with a lower mileage wound the odometer back. One INSERT ... SELECT (the
date of ``updated_at`` in each dialect's words), no table rebuilt.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_vehicles = sa.table(
    "vehicles",
    sa.column("id", sa.Integer),
    sa.column("mileage_km", sa.Integer),
    sa.column("updated_at", sa.DateTime),
)
_mileage = sa.table(
    "vehicle_mileage",
    sa.column("vehicle_id", sa.Integer),
    sa.column("mileage_km", sa.Integer),
    sa.column("read_on", sa.Date),
    sa.column("source", sa.String),
    sa.column("correction", sa.Boolean),
    sa.column("created_at", sa.DateTime),
)


def upgrade() -> None:
    updated = _vehicles.c.updated_at
    day = sa.func.date(updated) if op.get_bind().dialect.name == "sqlite" else sa.cast(updated, sa.Date)
    has_reading = sa.select(_mileage.c.vehicle_id).where(_mileage.c.vehicle_id == _vehicles.c.id).exists()
    missing = sa.select(
        _vehicles.c.id,
        _vehicles.c.mileage_km,
        day,
        sa.literal("manual"),
        sa.false(),
        updated,
    ).where(_vehicles.c.mileage_km.is_not(None), ~has_reading)
    columns = ["vehicle_id", "mileage_km", "read_on", "source", "correction", "created_at"]
    op.execute(_mileage.insert().from_select(columns, missing))


def downgrade() -> None:
    """The readings stay: they are the vehicles' own mileage, true before and after."""
