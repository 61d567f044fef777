"""The customer list: pinyin order (李 before 张) and its filters (tag, due dates, last visit), on both
databases."""

from __future__ import annotations

from datetime import date, timedelta

from ctid.core.paging import PageRequest
from ctid.crm.models import ReminderKind
from ctid.crm.record_models import CustomerFilter
from tests.crm.records.support import World
from tests.crm.support import TODAY, execute

NAMES = ["张三", "李四", "王五", "林", "阿强", "Tom", "曾小贤", "赵六"]


async def _names(world: World, where: CustomerFilter) -> list[str]:
    page = await world.records.customers.page(world.olga, where)
    return [record.customer.name for record in page.items]


async def test_the_list_is_in_pinyin_order_and_a_rename_moves_a_customer(world: World) -> None:
    ids = {}
    for i, name in enumerate(NAMES):
        ids[name] = (await world.customer(world.olga, name, f"1380013800{i}")).customer.id
    assert await _names(world, CustomerFilter()) == [
        "阿强",
        "李四",
        "林",
        "Tom",
        "王五",
        "曾小贤",
        "张三",
        "赵六",
    ]
    first = await _names(world, CustomerFilter(page=PageRequest(1, 3)))
    second = await _names(world, CustomerFilter(page=PageRequest(2, 3)))
    assert first + second == ["阿强", "李四", "林", "Tom", "王五", "曾小贤"]
    actor = world.actor(world.olga)
    await world.records.customers.update(actor, world.olga, ids["张三"], {"name": "白三"})
    assert (await _names(world, CustomerFilter()))[:2] == ["阿强", "白三"]


async def test_filters_by_tag_whole_and_as_written(world: World) -> None:
    await world.customer(world.olga, "张三", "13800138001", tags=["车队", "100%"])
    await world.customer(world.olga, "李四", "13800138002", tags=["车队长"])
    await world.customer(world.olga, "王五", "13800138003", tags=["1000"])
    assert await _names(world, CustomerFilter(tag="车队")) == ["张三"]
    assert await _names(world, CustomerFilter(tag="100%")) == ["张三"]
    assert await _names(world, CustomerFilter(tag="10_0")) == []
    assert await _names(world, CustomerFilter(tag="队")) == []


async def _vehicle(world: World, customer_id: int, plate: str, **dates: date | str) -> int:
    columns = {"insurance_expiry": None, "inspection_due": None, "next_service_due": None, "status": "active"}
    columns.update(dates)
    await execute(
        world.db,
        "INSERT INTO vehicles (branch_id, plate, status, insurance_expiry, inspection_due, next_service_due, "
        "created_at, updated_at) VALUES (:branch, :plate, :status, :insurance_expiry, :inspection_due, "
        ":next_service_due, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
        "INSERT INTO customer_vehicles (customer_id, vehicle_id, role) "
        "SELECT :customer, id, 'user' FROM vehicles WHERE plate = :plate",
        branch=world.branch_a,
        plate=plate,
        customer=customer_id,
        **columns,
    )
    return customer_id


async def test_filters_by_a_due_date_within_days(world: World) -> None:
    soon, later, old = TODAY + timedelta(days=10), TODAY + timedelta(days=60), TODAY - timedelta(days=45)
    a = (await world.customer(world.olga, "张三", "13800138001")).customer.id
    b = (await world.customer(world.olga, "李四", "13800138002")).customer.id
    c = (await world.customer(world.olga, "王五", "13800138003")).customer.id
    d = (await world.customer(world.olga, "赵六", "13800138004")).customer.id
    await _vehicle(world, a, "粤A10001", insurance_expiry=soon)
    await _vehicle(world, b, "粤A10002", insurance_expiry=later, inspection_due=TODAY - timedelta(days=3))
    await _vehicle(world, c, "粤A10003", insurance_expiry=old)  # overdue too long: the campaigns' work
    await _vehicle(world, d, "粤A10004", insurance_expiry=soon, status="sold")
    insurance = CustomerFilter(due=ReminderKind.INSURANCE, due_within=30)
    assert await _names(world, insurance) == ["张三"]
    assert await _names(world, CustomerFilter(due=ReminderKind.INSURANCE, due_within=90)) == ["李四", "张三"]
    assert await _names(world, CustomerFilter(due=ReminderKind.INSPECTION, due_within=0)) == ["李四"]
    assert await _names(world, CustomerFilter(due=ReminderKind.MAINTENANCE, due_within=366)) == []


async def test_filters_by_birthday_within_days_across_the_year_end(world: World) -> None:
    await world.customer(world.olga, "张三", "13800138001", birthday=date(1980, 3, 25))
    await world.customer(world.olga, "李四", "13800138002", birthday=date(1990, 3, 21))
    await world.customer(world.olga, "王五", "13800138003", birthday=date(1984, 2, 29))
    await world.customer(world.olga, "赵六", "13800138004", birthday=date(1975, 1, 2))
    assert await _names(world, CustomerFilter(due=ReminderKind.BIRTHDAY, due_within=7)) == ["张三"]
    assert await _names(world, CustomerFilter(due=ReminderKind.BIRTHDAY, due_within=0)) == []
    assert await _names(world, CustomerFilter(due=ReminderKind.BIRTHDAY, due_within=290)) == ["张三", "赵六"]
    assert await _names(world, CustomerFilter(due=ReminderKind.BIRTHDAY, due_within=366)) == [
        "李四",
        "王五",
        "张三",
        "赵六",
    ]


async def test_filters_by_the_last_visit(world: World) -> None:
    a = (await world.customer(world.olga, "张三", "13800138001")).customer.id
    b = (await world.customer(world.olga, "李四", "13800138002")).customer.id
    c = (await world.customer(world.olga, "王五", "13800138003")).customer.id
    await world.customer(world.olga, "赵六", "13800138004")  # never came
    await _vehicle(world, a, "粤A10001")
    await _vehicle(world, b, "粤A10002")
    await _vehicle(world, c, "粤A10003")
    visit = (
        "INSERT INTO visits (vehicle_id, customer_id, visited_on, status) "
        "SELECT id, :customer, :day, :status FROM vehicles WHERE plate = :plate"
    )
    for customer, plate, day, status in [
        (a, "粤A10001", date(2025, 6, 1), "completed"),
        (a, "粤A10001", date(2026, 2, 1), "completed"),
        (b, "粤A10002", date(2025, 9, 1), "completed"),
        (c, "粤A10003", date(2025, 5, 1), "completed"),
        (c, "粤A10003", date(2026, 3, 1), "cancelled"),  # not a visit that happened
    ]:
        await execute(world.db, visit, customer=customer, plate=plate, day=day, status=status)
    assert await _names(world, CustomerFilter(visited_after=date(2026, 1, 1))) == ["张三"]
    assert await _names(world, CustomerFilter(visited_before=date(2026, 1, 1))) == ["李四", "王五"]
    between = CustomerFilter(visited_after=date(2025, 7, 1), visited_before=date(2026, 1, 1))
    assert await _names(world, between) == ["李四"]
    assert await _names(world, CustomerFilter(visited_before=date(2025, 9, 1))) == ["王五"]
