"""Revision 0010 on a database with vehicles whose mileage is not in their history (written before 0006,
by the demo or by the bulk generator): the mileage becomes their first reading, so a visit closed below it
is refused instead of winding the odometer back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Connection, bindparam, text

from ctid.core.errors import ValidationError
from ctid.crm.models import MileageSource
from ctid.crm.record_models import MileageReading
from ctid.crm.visits import NewVisit
from ctid.storage.db import Database, UtcDateTime, _alembic_config, upgrade
from tests.crm.records.support import World


async def _downgrade(db: Database, revision: str) -> None:
    def run(conn: Connection) -> None:
        command.downgrade(_alembic_config(conn), revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_a_vehicles_mileage_becomes_its_first_reading(world: World) -> None:
    await _downgrade(world.db, "0009")
    insert = text(
        "INSERT INTO vehicles (branch_id, plate, mileage_km, status, created_at, updated_at) "
        "VALUES (:branch, :plate, :km, 'active', '2025-01-01 00:00:00', :updated) RETURNING id"
    ).bindparams(bindparam("updated", type_=UtcDateTime))  # stored as the app stores it
    cars = {}
    async with world.db.engine.begin() as conn:
        for plate, km, updated in [
            # 1 July in China: the first reading's day is the UTC day, on a server in any zone
            ("粤A12345", 45200, datetime(2025, 6, 30, 23, 59, 59, 500000, tzinfo=UTC)),
            ("粤A55555", None, datetime(2025, 6, 30, tzinfo=UTC)),
            ("粤A66666", 9000, datetime(2025, 6, 30, tzinfo=UTC)),
        ]:
            values = {"branch": world.branch_a, "plate": plate, "km": km, "updated": updated}
            cars[plate] = (await conn.execute(insert, values)).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO vehicle_mileage (vehicle_id, mileage_km, read_on, source, correction, "
                "created_at) VALUES (:car, 9000, '2025-05-01', 'visit', false, '2025-05-01 00:00:00')"
            ),
            {"car": cars["粤A66666"]},
        )
    await upgrade(world.db.engine)

    def history(readings: list[MileageReading]) -> list[tuple[int, date, MileageSource, bool]]:
        return [(r.mileage_km, r.read_on, r.source, r.correction) for r in readings]

    vehicles = world.records.vehicles
    assert history(await vehicles.readings(world.olga, cars["粤A12345"])) == [
        (45200, date(2025, 6, 30), MileageSource.MANUAL, False)
    ]
    assert await vehicles.readings(world.olga, cars["粤A55555"]) == []
    assert history(await vehicles.readings(world.olga, cars["粤A66666"])) == [
        (9000, date(2025, 5, 1), MileageSource.VISIT, False)
    ], "a vehicle with readings gets none"

    visits, actor = world.records.visits, world.actor(world.olga)
    visit = await visits.create(actor, world.olga, NewVisit(cars["粤A12345"], mileage_km=40000))
    with pytest.raises(ValidationError) as refused:
        await visits.close(actor, world.olga, visit.id)
    assert refused.value.field == "mileage_km" and "(45200 km)" in str(refused.value)
    assert (await vehicles.get(world.olga, cars["粤A12345"])).mileage_km == 45200
