"""Merging two customers (ctid.merging): everything of the merged one moves to the one kept in one
transaction (phones deduplicated by E.164, vehicles with their roles, visits, follow-ups and complaints,
prospects, calls, opt-outs, tags, notes), audited with what moved; the search index and the pop's match
know one customer; the merged id leads to the kept one; supervisors and admins of the customers' branch
only. On both databases."""

from __future__ import annotations

from datetime import date

import pytest

from ctid.audit.models import AuditFilter
from ctid.audit.service import AuditService
from ctid.core.errors import NotFound, PermissionDenied, ValidationError
from ctid.crm.models import ContactType, Gender
from ctid.merging.service import CustomerMerges
from tests.crm.records.support import World
from tests.crm.support import NOW, execute, rows

AT = "'2026-01-01 00:00:00', '2026-01-01 00:00:00'"  # created and updated


def _merges(world: World) -> CustomerMerges:
    return CustomerMerges(world.db, clock=lambda: NOW)


async def _vehicle(world: World, plate: str, *links: tuple[int, str]) -> int:
    await execute(
        world.db,
        "INSERT INTO vehicles (branch_id, plate, status, created_at, updated_at) "
        "VALUES (:branch, :plate, 'active', " + AT + ")",
        branch=world.branch_a,
        plate=plate,
    )
    [(vehicle_id,)] = await rows(world.db, "SELECT id FROM vehicles WHERE plate = :plate", plate=plate)
    for customer_id, role in links:
        await execute(
            world.db,
            "INSERT INTO customer_vehicles (customer_id, vehicle_id, role) VALUES (:c, :v, :r)",
            c=customer_id,
            v=vehicle_id,
            r=role,
        )
    return int(vehicle_id)


async def _belongings(world: World, customer_id: int, vehicle_id: int) -> None:
    """A visit, a follow-up and a complaint, a won prospect and two calls of this customer."""
    await execute(
        world.db,
        "INSERT INTO visits (vehicle_id, customer_id, visited_on) VALUES (:v, :c, '2026-02-01')",
        f"INSERT INTO follow_ups (customer_id, kind, created_at, updated_at) VALUES (:c, 'follow_up', {AT})",
        f"INSERT INTO follow_ups (customer_id, kind, created_at, updated_at) VALUES (:c, 'complaint', {AT})",
        "INSERT INTO prospects (branch_id, name, status, customer_id, created_at, updated_at) "
        f"VALUES (:b, '张先生', 'won', :c, {AT})",
        "INSERT INTO calls (id, line, direction, number_e164, customer_id, started_at) "
        "VALUES ('call1', 'desk', 'inbound', '+8613900139000', :c, '2026-01-01 00:00:00')",
        "INSERT INTO calls (id, line, direction, number_e164, customer_id, started_at) "
        "VALUES ('call2', 'desk', 'inbound', '+8613900139000', :c, '2026-01-01 00:00:00')",
        c=customer_id,
        v=vehicle_id,
        b=world.branch_a,
    )


async def test_everything_moves_to_the_kept_customer_in_one_go(world: World) -> None:
    kept = (
        await world.customer(world.olga, "张伟", "13800138000", tags=["车队"], level="VIP", notes="月结")
    ).customer.id
    merged = (
        await world.customer(
            world.olga,
            "张伟",
            "138 0013 8000",  # the same number written otherwise: not a second phone
            tags=["老客户", "车队"],
            birthday=date(1980, 5, 1),
            gender=Gender.MALE,
            level="普通",
            notes="找王经理",
            confirm_shared_phone=True,
        )
    ).customer.id
    actor, sam = world.actor(world.supervisor), world.supervisor
    await world.records.customers.update(actor, sam, merged, {"phones": ["138 0013 8000", "13900139000"]})
    await world.records.customers.set_opt_outs(actor, sam, merged, {ContactType.BIRTHDAY: "不要"})
    both = await _vehicle(world, "粤A10001", (kept, "owner"), (merged, "owner"), (merged, "driver"))
    own = await _vehicle(world, "粤A10002", (merged, "user"))
    await _belongings(world, merged, own)

    preview = await _merges(world).preview(sam, kept, merged)
    assert [p.e164 for p in preview.plan.new_phones] == ["+8613900139000"]
    assert [(plate, role.value) for _v, plate, role in preview.belongings.vehicles] == [
        ("粤A10001", "driver"),
        ("粤A10002", "user"),
    ]
    what = preview.belongings
    assert (what.visits, what.follow_ups, what.complaints, what.prospects, preview.calls) == (1, 1, 1, 1, 2)
    assert await rows(world.db, "SELECT count(*) FROM customers") == [(2,)], "a preview writes nothing"

    done = await _merges(world).merge(actor, sam, kept, merged)
    assert done.calls == 2
    record = await world.records.customers.get(sam, kept)
    assert [p.e164 for p in record.phones] == ["+8613800138000", "+8613900139000"]
    assert record.customer.tags == ("车队", "老客户")
    assert (record.customer.level, record.customer.birthday, record.customer.gender) == (
        "VIP",
        date(1980, 5, 1),
        Gender.MALE,
    )
    assert record.customer.notes == "月结\n找王经理"
    assert [(o.contact_type, o.reason) for o in record.opt_outs] == [(ContactType.BIRTHDAY, "不要")]
    links = "SELECT vehicle_id, role FROM customer_vehicles WHERE customer_id = :c ORDER BY vehicle_id, role"
    assert await rows(world.db, links, c=kept) == [(both, "driver"), (both, "owner"), (own, "user")]
    for table in ("visits", "follow_ups", "prospects", "calls"):
        query = f"SELECT DISTINCT customer_id FROM {table}"
        assert await rows(world.db, query) == [(kept,)], table
    assert await rows(world.db, "SELECT id FROM customers") == [(kept,)]
    assert await rows(world.db, "SELECT merged_id, kept_id FROM customer_merges") == [(merged, kept)]
    assert await rows(
        world.db, "SELECT count(*) FROM customer_name_grams WHERE customer_id = :c", c=merged
    ) == [(0,)]
    # the pop's match by number and the search know one customer
    assert [c.id for c in await world.records.customers._directory.match("+8613900139000")] == [kept]
    assert [c.id for c in await world.records.customers._directory.match("+8613800138000")] == [kept]
    assert [h.id for h in await world.records.search.search(sam, "13900139000")] == [kept]
    assert [h.id for h in await world.records.search.search(sam, "张伟")] == [kept]

    log = AuditService(world.db)
    [entry] = (await log.search(AuditFilter(action="customer.merge"))).items
    assert (entry.entity_id, entry.actor_name) == (str(kept), "sam")
    assert entry.after is not None and entry.before is not None
    assert entry.after["merged"] == {"id": merged, "name": "张伟"}
    assert entry.after["phones"] == ["+8613800138000", "+8613900139000"]
    assert entry.after["vehicles"] == ["粤A10001 driver", "粤A10002 user"]
    assert {k: entry.after[k] for k in ("visits", "follow_ups", "complaints", "prospects", "calls")} == {
        "visits": 1,
        "follow_ups": 1,
        "complaints": 1,
        "prospects": 1,
        "calls": 2,
    }
    assert entry.before["tags"] == ["车队"] and entry.after["tags"] == ["车队", "老客户"]
    assert entry.before["birthday"] is None and entry.after["birthday"] == "1980-05-01"
    [gone] = (await log.search(AuditFilter(action="customer.merged_into"))).items
    assert gone.entity_id == str(merged) and gone.after == {"merged_into": kept}
    assert gone.before is not None and gone.before["name"] == "张伟" and gone.before["level"] == "普通"


async def test_the_merged_id_leads_to_the_kept_customer_through_every_merge(world: World) -> None:
    a, b, c = [
        (await world.customer(world.olga, name, f"1380013800{i}")).customer.id
        for i, name in enumerate(["甲", "乙", "丙"])
    ]
    merges, sam = _merges(world), world.supervisor
    await merges.merge(world.actor(sam), sam, b, c)
    await merges.merge(world.actor(sam), sam, a, b)
    assert await merges.kept_for(sam, c) == a and await merges.kept_for(sam, b) == a
    assert await merges.kept_for(world.olga, c) == a, "anyone who sees the customer is led to it"
    assert await merges.kept_for(world.erin, c) is None, "another branch's: nothing"
    assert await merges.kept_for(sam, a) is None
    with pytest.raises(NotFound):
        await world.records.customers.get(sam, c)


async def test_only_supervisors_and_admins_of_the_branch_merge(world: World) -> None:
    a = (await world.customer(world.olga, "张伟", "13800138000")).customer.id
    b = (await world.customer(world.olga, "张伟", "13900139000")).customer.id
    east = (await world.customer(world.erin, "李娜", "13700137000")).customer.id
    merges = _merges(world)
    with pytest.raises(PermissionDenied):
        await merges.merge(world.actor(world.olga), world.olga, a, b)
    with pytest.raises(PermissionDenied):
        await merges.preview(world.olga, a, b)
    with pytest.raises(NotFound):
        await merges.preview(world.supervisor, a, east)  # another branch's customer does not exist for sam
    with pytest.raises(ValidationError) as refused:
        await merges.merge(world.actor(world.admin), world.admin, a, east)
    assert refused.value.field == "other_id"
    with pytest.raises(ValidationError):
        await merges.merge(world.actor(world.admin), world.admin, a, a)
    with pytest.raises(NotFound):
        await merges.merge(world.actor(world.admin), world.admin, a, 9999)
    assert await rows(world.db, "SELECT count(*) FROM customers") == [(3,)]
    await merges.merge(world.actor(world.admin), world.admin, b, a)  # an admin of another branch may too
    assert await rows(world.db, "SELECT id FROM customers ORDER BY id") == [(b,), (east,)]
