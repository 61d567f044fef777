"""Vehicle records: plates and VINs checked and unique, who owns / uses / drives, changes audited,
mileage history that refuses to go backwards unless a supervisor corrects it."""

from __future__ import annotations

from datetime import date

import pytest

from ctid.core.errors import NotFound, PermissionDenied, ValidationError
from ctid.core.paging import PageRequest
from ctid.crm.models import MileageSource, Transmission, VehicleRole, VehicleStatus
from ctid.crm.record_models import VehicleFilter
from ctid.crm.scope import Taken
from ctid.crm.vehicles import NewVehicleRecord
from tests.crm.records.support import World
from tests.crm.support import TODAY

VIN = "LSVNV2187E2100001"  # its check digit (position 9) is right: see tests/crm/test_schema.py


async def test_a_vehicle_with_its_people_and_first_reading(world: World) -> None:
    owner = (await world.customer(world.olga)).customer.id
    driver = (await world.customer(world.olga, "司机小李", "13900139000")).customer.id
    fields = {
        "plate": "粤a·d12345",
        "vin": VIN.lower(),
        "brand": "比亚迪",
        "model": "汉",
        "transmission": Transmission.SINGLE_SPEED,
        "engine_number": "BYD123",
        "insurer": "平安",
        "insurance_expiry": date(2026, 9, 1),
        "warranty_expiry": date(2030, 1, 1),
    }
    links = [(owner, VehicleRole.OWNER), (owner, VehicleRole.USER), (driver, VehicleRole.DRIVER)]
    new = NewVehicleRecord(fields, links, mileage_km=12000)
    vehicle = await world.records.vehicles.create(world.actor(world.olga), world.olga, new)
    assert (vehicle.plate, vehicle.vin, vehicle.status) == ("粤AD12345", VIN, VehicleStatus.ACTIVE)
    assert (vehicle.transmission, vehicle.insurer, vehicle.mileage_km) == (
        Transmission.SINGLE_SPEED,
        "平安",
        12000,
    )
    assert [(k.customer_name, k.role) for k in vehicle.links] == [
        ("张伟", VehicleRole.OWNER),
        ("张伟", VehicleRole.USER),
        ("司机小李", VehicleRole.DRIVER),
    ]
    [reading] = await world.records.vehicles.readings(world.olga, vehicle.id)
    assert (reading.mileage_km, reading.read_on, reading.source) == (12000, TODAY, MileageSource.MANUAL)
    history = await world.records.vehicles.history(world.olga, vehicle.id)
    assert {h.action for h in history} == {"vehicle.create", "vehicle.mileage"}


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"plate": "粤A1234"}, "plate", "7 characters"),
        ({"plate": "粤AO1234"}, "plate", "I and O"),
        ({"plate": "粤A12345", "vin": "LSVNV2182E210000"}, "vin", "17 characters"),
        ({"plate": "粤A12345", "vin": "LSVNV2181E2100001"}, "vin", "check digit"),
        ({"plate": "粤A12345", "vin": "LSVNV2I82E2100001"}, "vin", "letter I"),
        ({"plate": "粤A12345", "transmission": "steam"}, "transmission", "choice"),
        ({"vin": VIN}, "plate", "plate"),
    ],
)
async def test_bad_plates_and_vins_say_what_is_wrong(
    world: World, fields: dict[str, object], field: str, words: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        await world.records.vehicles.create(world.actor(world.olga), world.olga, NewVehicleRecord(fields))
    assert refused.value.field == field
    assert words in str(refused.value)


async def test_a_plate_is_unique_in_its_branch_and_a_vin_everywhere(world: World) -> None:
    vehicles = world.records.vehicles
    await vehicles.create(
        world.actor(world.olga), world.olga, NewVehicleRecord({"plate": "粤A12345", "vin": VIN})
    )
    with pytest.raises(Taken) as taken:
        await vehicles.create(world.actor(world.olga), world.olga, NewVehicleRecord({"plate": "粤 A 12345"}))
    assert taken.value.field == "plate"
    other_branch = await vehicles.create(
        world.actor(world.erin), world.erin, NewVehicleRecord({"plate": "粤A12345"})
    )
    assert other_branch.branch_id == world.branch_b, "another branch may file the same plate"
    with pytest.raises(Taken) as taken:
        await vehicles.update(world.actor(world.erin), world.erin, other_branch.id, {"vin": VIN}, None)
    assert taken.value.field == "vin"


async def test_changes_are_audited_and_links_replaced(world: World) -> None:
    owner = (await world.customer(world.olga)).customer.id
    buyer = (await world.customer(world.olga, "新车主", "13900139000")).customer.id
    vehicles, actor = world.records.vehicles, world.actor(world.olga)
    vehicle = await vehicles.create(
        actor, world.olga, NewVehicleRecord({"plate": "粤A12345"}, [(owner, VehicleRole.OWNER)])
    )
    changed = await vehicles.update(
        actor, world.olga, vehicle.id, {"colour": "白", "status": "sold"}, [(buyer, VehicleRole.OWNER)]
    )
    assert (changed.colour, changed.status, [k.customer_id for k in changed.links]) == (
        "白",
        VehicleStatus.SOLD,
        [buyer],
    )
    [latest, *_] = await vehicles.history(world.olga, vehicle.id)
    lines = {
        h.field: (h.before, h.after)
        for h in await vehicles.history(world.olga, vehicle.id)
        if h.action == "vehicle.update"
    }
    assert lines == {
        "colour": ("", "白"),
        "status": ("active", "sold"),
        "customers": ([[owner, "owner"]], [[buyer, "owner"]]),
    }
    assert latest.actor == "olga"
    with pytest.raises(ValidationError) as refused:
        await vehicles.update(actor, world.olga, vehicle.id, {}, [(999, VehicleRole.OWNER)])
    assert refused.value.field == "customers"


async def test_mileage_goes_forward_unless_a_supervisor_corrects_it(world: World) -> None:
    vehicles = world.records.vehicles
    vehicle = await vehicles.create(
        world.actor(world.olga), world.olga, NewVehicleRecord({"plate": "粤A12345"})
    )
    add = vehicles.add_reading
    await add(world.actor(world.olga), world.olga, vehicle.id, 10000, date(2026, 1, 10), False)
    await add(world.actor(world.olga), world.olga, vehicle.id, 15000, date(2026, 3, 1), False)
    with pytest.raises(ValidationError) as refused:
        await add(world.actor(world.olga), world.olga, vehicle.id, 1500, None, False)
    assert refused.value.field == "mileage_km"
    assert "less than the reading of 2026-03-01 (15000 km)" in str(refused.value)
    assert "correction" in str(refused.value)
    with pytest.raises(ValidationError):  # between two readings, it must lie between them
        await add(world.actor(world.olga), world.olga, vehicle.id, 16000, date(2026, 2, 1), False)
    await add(world.actor(world.olga), world.olga, vehicle.id, 12000, date(2026, 2, 1), False)
    with pytest.raises(PermissionDenied):
        await add(world.actor(world.olga), world.olga, vehicle.id, 1500, None, True)
    corrected = await add(world.actor(world.supervisor), world.supervisor, vehicle.id, 1500, None, True)
    assert corrected.correction
    readings = await vehicles.readings(world.olga, vehicle.id)
    assert [r.mileage_km for r in readings] == [1500, 15000, 12000, 10000]
    assert (await vehicles.get(world.olga, vehicle.id)).mileage_km == 1500
    history = await vehicles.history(world.olga, vehicle.id)
    assert [h.after for h in history if h.field == "correction"] == [True]


async def test_another_branchs_vehicle_does_not_exist_for_an_operator(world: World) -> None:
    vehicles = world.records.vehicles
    vehicle = await vehicles.create(
        world.actor(world.olga), world.olga, NewVehicleRecord({"plate": "粤A12345"})
    )
    for attempt in (
        vehicles.get(world.erin, vehicle.id),
        vehicles.history(world.erin, vehicle.id),
        vehicles.readings(world.erin, vehicle.id),
        vehicles.update(world.actor(world.erin), world.erin, vehicle.id, {"colour": "黑"}, None),
        vehicles.add_reading(world.actor(world.erin), world.erin, vehicle.id, 5, None, False),
    ):
        with pytest.raises(NotFound):
            await attempt
    assert (await vehicles.page(world.erin, VehicleFilter())).total == 0


async def test_vehicle_lists_filter_and_page(world: World) -> None:
    owner = (await world.customer(world.olga)).customer.id
    vehicles, actor = world.records.vehicles, world.actor(world.olga)
    for i in range(5):
        links = [(owner, VehicleRole.OWNER)] if i < 2 else []
        fields = {"plate": f"粤A1234{i}", "brand": "丰田" if i % 2 else "本田"}
        await vehicles.create(actor, world.olga, NewVehicleRecord(fields, links))
    page = await vehicles.page(world.olga, VehicleFilter(page=PageRequest(2, 2)))
    assert (page.total, [v.plate for v in page.items]) == (5, ["粤A12342", "粤A12343"])
    assert (await vehicles.page(world.olga, VehicleFilter(brand="丰田"))).total == 2
    mine = await vehicles.page(world.olga, VehicleFilter(customer_id=owner))
    assert [v.plate for v in mine.items] == ["粤A12340", "粤A12341"] and mine.items[0].links
    assert (await vehicles.page(world.olga, VehicleFilter(status=VehicleStatus.SOLD))).total == 0
