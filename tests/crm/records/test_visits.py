"""Visits / repair orders: open, changed while open, closed for good; corrections are new visits; closing
records the mileage and schedules the follow-up N days later."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from ctid.core.errors import Conflict, NotFound, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm.catalogue import NewCatalogueItem
from ctid.crm.models import (
    FollowUpKind,
    FollowUpStatus,
    MileageSource,
    VehicleRole,
    VisitItemKind,
    VisitStatus,
)
from ctid.crm.record_models import FollowUpFilter, VehicleFilter, VisitFilter
from ctid.crm.vehicles import NewVehicleRecord
from ctid.crm.visit_items import NewVisitItem
from ctid.crm.visits import NewVisit
from ctid.sampledata.demo import seed_demo
from tests.crm.records.support import World
from tests.crm.support import NOW, TODAY


async def car(world: World) -> tuple[int, int]:
    """A customer and their car in branch A: (customer id, vehicle id)."""
    customer = (await world.customer(world.olga)).customer.id
    new = NewVehicleRecord({"plate": "粤A12345"}, [(customer, VehicleRole.OWNER)], mileage_km=20000)
    vehicle = await world.records.vehicles.create(world.actor(world.olga), world.olga, new)
    return customer, vehicle.id


async def test_an_open_visit_changes_then_closes_for_good(world: World) -> None:
    customer, vehicle = await car(world)
    wash = NewCatalogueItem("WASH", "精洗", Decimal("38"), "洗车")
    item = await world.records.catalogue.create(world.actor(world.admin), world.admin, wash)
    visits, actor = world.records.visits, world.actor(world.olga)
    items = [
        NewVisitItem(catalogue_item_id=item.id),
        NewVisitItem("机油", Decimal("120.5"), 2, VisitItemKind.PART),
    ]
    visit = await visits.create(actor, world.olga, NewVisit(vehicle, customer, mileage_km=25000, items=items))
    assert (visit.status, visit.amount, visit.visited_on, visit.created_by) == (
        VisitStatus.OPEN,
        Decimal("279.00"),
        TODAY,
        world.olga.id,
    )
    assert [(i.name, i.price, i.catalogue_item_id) for i in visit.items] == [
        ("精洗", Decimal("38.00"), item.id),
        ("机油", Decimal("120.50"), None),
    ]
    visit = await visits.update(actor, world.olga, visit.id, {"advisor": "陈工", "mileage_km": 25100})
    assert (visit.advisor, visit.mileage_km) == ("陈工", 25100)
    closed = await visits.close(actor, world.olga, visit.id)
    assert (closed.status, closed.closed_at, closed.closed) == (VisitStatus.COMPLETED, NOW, True)
    with pytest.raises(Conflict) as refused:
        await visits.update(actor, world.olga, visit.id, {"notes": "补记"})
    assert "Corrections are new entries" in str(refused.value)
    with pytest.raises(Conflict):
        await visits.close(actor, world.olga, visit.id)
    [reading, _first] = await world.records.vehicles.readings(world.olga, vehicle)
    assert (reading.mileage_km, reading.source, reading.visit_id) == (25100, MileageSource.VISIT, visit.id)


async def test_closing_schedules_the_follow_up_call(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    items = [NewVisitItem("常规保养", Decimal(300)), NewVisitItem("洗车", Decimal(30))]
    visit = await visits.create(actor, world.olga, NewVisit(vehicle, customer, items=items, close=True))
    [follow_up] = (await world.records.follow_ups.page(world.olga, FollowUpFilter())).items
    assert (follow_up.kind, follow_up.status, follow_up.visit_id) == (
        FollowUpKind.FOLLOW_UP,
        FollowUpStatus.OPEN,
        visit.id,
    )
    assert follow_up.due_on == TODAY + timedelta(days=3)
    assert (follow_up.customer_id, follow_up.content) == (customer, "常规保养、洗车")


async def test_the_follow_up_after_a_visit_without_items_says_which_visit(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    await visits.create(actor, world.olga, NewVisit(vehicle, customer, mileage_km=21000, close=True))
    noted = NewVisit(vehicle, customer, mileage_km=22000, notes="  客户自带机油 ", close=True)
    await visits.create(actor, world.olga, noted)
    queue = await world.records.follow_ups.page(world.olga, FollowUpFilter())
    assert sorted(f.content for f in queue.items) == ["客户自带机油", f"粤A12345 {TODAY.isoformat()}"]


@pytest.mark.parametrize("follow_up_after_days", [0])
async def test_no_follow_up_when_switched_off(world: World) -> None:
    customer, vehicle = await car(world)
    await world.records.visits.create(
        world.actor(world.olga), world.olga, NewVisit(vehicle, customer, close=True)
    )
    assert (await world.records.follow_ups.page(world.olga, FollowUpFilter())).total == 0


async def test_a_correction_is_a_new_visit_pointing_at_the_closed_one(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    wrong = await visits.create(actor, world.olga, NewVisit(vehicle, customer, mileage_km=52000, close=True))
    open_one = await visits.create(actor, world.olga, NewVisit(vehicle, customer))
    with pytest.raises(ValidationError) as refused:
        await visits.create(actor, world.olga, NewVisit(vehicle, customer, corrects_visit_id=open_one.id))
    assert refused.value.field == "corrects_visit_id", "an open visit is changed, not corrected"
    fix = NewVisit(
        vehicle, customer, mileage_km=25200, notes="里程录错", corrects_visit_id=wrong.id, close=True
    )
    correction = await visits.create(actor, world.olga, fix)
    assert correction.corrects_visit_id == wrong.id
    assert (await visits.get(world.olga, wrong.id)).corrected_by == (correction.id,)
    readings = await world.records.vehicles.readings(world.olga, vehicle)
    assert [(r.mileage_km, r.correction) for r in readings][:2] == [(25200, True), (52000, False)]


async def test_a_lower_reading_refuses_to_close_a_visit(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    visit = await visits.create(actor, world.olga, NewVisit(vehicle, customer, mileage_km=2000))
    with pytest.raises(ValidationError) as refused:
        await visits.close(actor, world.olga, visit.id)
    assert refused.value.field == "mileage_km"
    assert (await visits.get(world.olga, visit.id)).status == VisitStatus.OPEN, "nothing was written"


async def test_closing_below_the_demo_vehicles_reading_is_refused(world: World) -> None:
    """The demo's cars came with a mileage that was not in their history: a visit closed lower wound the
    odometer back (45200 -> 40000). Now their visits' readings are in the history, and closing lower is
    refused naming the field and the vehicle's reading; a supervisor corrects the vehicle's reading first."""
    await seed_demo(world.db, PhoneNormaliser("CN", "020"), world.branch_a, count=0, today=TODAY)
    vehicles, visits, actor = world.records.vehicles, world.records.visits, world.actor(world.olga)
    [car] = [v for v in (await vehicles.page(world.olga, VehicleFilter())).items if v.plate == "粤A12345"]
    visit = await visits.create(actor, world.olga, NewVisit(car.id, mileage_km=40000))
    with pytest.raises(ValidationError) as refused:
        await visits.close(actor, world.olga, visit.id)
    assert refused.value.field == "mileage_km"
    assert "40000 km is less than the vehicle's reading of" in str(refused.value)
    assert "(45200 km)" in str(refused.value) and "supervisor" in str(refused.value)
    assert (await vehicles.get(world.olga, car.id)).mileage_km == 45200, "the odometer did not go back"
    assert (await visits.get(world.olga, visit.id)).status == VisitStatus.OPEN
    readings = [(r.mileage_km, r.source) for r in await vehicles.readings(world.olga, car.id)]
    assert readings == [(45200, MileageSource.VISIT), (38900, MileageSource.VISIT)]
    supervisor = world.actor(world.supervisor)
    await vehicles.add_reading(supervisor, world.supervisor, car.id, 39500, None, True)
    closed = await visits.close(actor, world.olga, visit.id)
    assert closed.closed and (await vehicles.get(world.olga, car.id)).mileage_km == 40000


async def test_visit_fields_are_checked(world: World) -> None:
    _customer, vehicle = await car(world)
    other = (await world.customer(world.erin, "李娜", "13900139000")).customer.id
    visits, actor = world.records.visits, world.actor(world.olga)
    for new, field in [
        (NewVisit(vehicle, other), "customer_id"),
        (NewVisit(999), "vehicle_id"),
        (NewVisit(vehicle, items=[NewVisitItem("洗车", Decimal(30))], amount=Decimal(40)), "amount"),
        (NewVisit(vehicle, items=[NewVisitItem("")]), "items"),
        (NewVisit(vehicle, items=[NewVisitItem(catalogue_item_id=77)]), "items"),
        (NewVisit(vehicle, advisor="陈" * 65), "advisor"),
        (NewVisit(vehicle, mileage_km=-1), "mileage_km"),
    ]:
        with pytest.raises(ValidationError) as refused:
            await visits.create(actor, world.olga, new)
        assert refused.value.field == field, new
    plain = await visits.create(actor, world.olga, NewVisit(vehicle, amount=Decimal("99.90")))
    assert plain.amount == Decimal("99.90") and plain.customer_id is None
    with pytest.raises(NotFound):
        await visits.get(world.erin, plain.id)


async def test_visits_are_listed_by_customer_and_vehicle(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    for day in (1, 5, 3):
        await visits.create(actor, world.olga, NewVisit(vehicle, customer, visited_on=date(2026, 3, day)))
    await visits.create(actor, world.olga, NewVisit(vehicle))
    by_customer = await visits.page(world.olga, VisitFilter(customer_id=customer))
    assert [v.visited_on.day for v in by_customer.items] == [5, 3, 1]
    assert (await visits.page(world.olga, VisitFilter(vehicle_id=vehicle))).total == 4
    assert (await visits.page(world.olga, VisitFilter(status=VisitStatus.COMPLETED))).total == 0
    assert (await visits.page(world.erin, VisitFilter())).total == 0


async def test_an_open_visit_keeps_its_day(world: World) -> None:
    customer, vehicle = await car(world)
    visits, actor = world.records.visits, world.actor(world.olga)
    visit = await visits.create(actor, world.olga, NewVisit(vehicle, customer))
    with pytest.raises(ValidationError) as refused:
        await visits.update(actor, world.olga, visit.id, {"visited_on": None})
    assert refused.value.field == "visited_on"
    changed = await visits.update(
        actor, world.olga, visit.id, {"visited_on": date(2026, 3, 20), "amount": None}
    )
    assert (changed.visited_on, changed.amount) == (date(2026, 3, 20), Decimal("0.00"))
