"""Revision 0010 on a database with vehicles whose mileage is not in their history (written before 0006,
by the demo or by the bulk generator): the mileage becomes their first reading, so a visit closed below it
is refused instead of winding the odometer back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Connection

from ctid.crm.models import MileageSource
from ctid.crm.visits import NewVisit
from ctid.db import Database, _alembic_config, upgrade
from ctid.errors import ValidationError
from tests.crm.records.conftest import World
from tests.crm.support import rows


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_a_vehicles_mileage_becomes_its_first_reading(world: World, db_path: Path) -> None:
    await _downgrade(world.db, "0009")
    with closing(sqlite3.connect(db_path)) as conn:
        insert = (
            "INSERT INTO vehicles (branch_id, plate, mileage_km, status, created_at, updated_at) "
            "VALUES (?, ?, ?, 'active', '2025-01-01 00:00:00', ?)"
        )
        conn.execute(insert, (world.branch_a, "粤A12345", 45200, "2025-06-30 23:59:59.5"))
        conn.execute(insert, (world.branch_a, "粤A55555", None, "2025-06-30 00:00:00"))
        conn.execute(insert, (world.branch_a, "粤A66666", 9000, "2025-06-30 00:00:00"))
        conn.execute(
            "INSERT INTO vehicle_mileage (vehicle_id, mileage_km, read_on, source, correction, created_at) "
            "VALUES (3, 9000, '2025-05-01', 'visit', 0, '2025-05-01 00:00:00')"
        )
        conn.commit()
    await upgrade(world.db.engine)
    query = "SELECT vehicle_id, mileage_km, read_on, source FROM vehicle_mileage ORDER BY id"
    assert rows(db_path, query) == [
        (3, 9000, "2025-05-01", "visit"),
        (1, 45200, "2025-06-30", "manual"),
    ], "only the vehicle with a mileage and no reading gets one"

    [reading] = await world.records.vehicles.readings(world.olga, 1)
    assert (reading.mileage_km, reading.source, reading.correction) == (45200, MileageSource.MANUAL, False)
    visits, actor = world.records.visits, world.actor(world.olga)
    visit = await visits.create(actor, world.olga, NewVisit(1, mileage_km=40000))
    with pytest.raises(ValidationError) as refused:
        await visits.close(actor, world.olga, visit.id)
    assert refused.value.field == "mileage_km" and "(45200 km)" in str(refused.value)
    assert (await world.records.vehicles.get(world.olga, 1)).mileage_km == 45200
