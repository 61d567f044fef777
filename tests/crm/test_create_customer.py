"""A new customer from the pop's form: checked field by field, written with its audit entry, found at once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser, UserChanges
from ctid.audit.models import Actor, AuditFilter
from ctid.audit.service import AuditService
from ctid.core.errors import PermissionDenied, ValidationError
from ctid.crm.models import CustomerKind, Gender, Phone, VehicleRole
from ctid.crm.new_customer import NewCustomer, NewPhone
from ctid.crm.service import CustomerDirectory
from ctid.crm.tables import customers
from ctid.storage.db import Database
from tests.crm.support import NOW

ADMIN = Actor.system("test")


async def customer_count(db: Database) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(customers)) or 0)


async def test_creates_a_customer_with_normalised_phones_and_a_car(
    directory: CustomerDirectory, branch_id: int
) -> None:
    new = NewCustomer(
        name="  周  杰 ",
        kind="person",
        branch_id=branch_id,
        phones=["+86 139 2345 6789", NewPhone("020-3456-7890", "家庭"), "13923456789", "  "],
        plate="粤a·8k 123",
        brand="丰田",
        model="凯美瑞",
        gender="male",
        source="来电",
    )
    card = await directory.create_customer(ADMIN, new)
    assert (card.name, card.kind, card.gender, card.branch_id) == (
        "周 杰",
        CustomerKind.PERSON,
        Gender.MALE,
        branch_id,
    )
    assert card.phones == (
        Phone("+86 139 2345 6789", "+8613923456789", ""),
        Phone("020-3456-7890", "+862034567890", "家庭"),
    )  # the same mobile typed twice is one phone
    assert [(v.plate, v.brand, v.model, v.roles) for v in card.vehicles] == [
        ("粤A8K123", "丰田", "凯美瑞", (VehicleRole.OWNER,))
    ]
    assert card.last_visits == () and card.open_follow_ups == () and card.due_reminders == ()


async def test_the_next_ring_finds_the_new_customer(directory: CustomerDirectory, branch_id: int) -> None:
    card = await directory.create_customer(
        ADMIN, NewCustomer("吴芳", CustomerKind.PERSON, branch_id, ["020 2222 3333"])
    )
    assert [c.id for c in await directory.match("+862022223333")] == [card.id]


async def test_a_known_plate_links_the_existing_car(directory: CustomerDirectory, branch_id: int) -> None:
    owner = await directory.create_customer(
        ADMIN,
        NewCustomer(
            "刘洋", "person", branch_id, ["13711113333"], plate="粤A6N888", brand="本田", model="雅阁"
        ),
    )
    driver = await directory.create_customer(
        ADMIN,
        NewCustomer(
            "王芳",
            "person",
            branch_id,
            ["13711112222"],
            plate="粤A 6N888",
            brand="大众",
            vehicle_role="driver",
        ),
    )
    assert [(v.id, v.brand, v.roles) for v in driver.vehicles] == [
        (owner.vehicles[0].id, "本田", (VehicleRole.DRIVER,))
    ]


async def test_a_company_without_a_car(directory: CustomerDirectory, branch_id: int) -> None:
    card = await directory.create_customer(
        ADMIN, NewCustomer("广州顺达货运有限公司", "company", branch_id, ["020-8765-4321"])
    )
    assert (card.kind, card.vehicles, card.birthday) == (CustomerKind.COMPANY, (), None)


async def test_audited_in_the_same_transaction(
    db: Database, directory: CustomerDirectory, branch_id: int
) -> None:
    actor = Actor(None, "operator1", "192.0.2.7")
    new = NewCustomer("郑凯", "person", branch_id, ["138 1234 5678"], plate="粤AD54321", vehicle_role="user")
    card = await directory.create_customer(actor, new)
    [entry] = (
        await AuditService(db).search(AuditFilter(entity_type="customer", entity_id=str(card.id)))
    ).items
    assert (entry.action, entry.actor_name, entry.address, entry.at) == (
        "customer.create",
        "operator1",
        "192.0.2.7",
        NOW,
    )
    assert entry.after == {
        "name": "郑凯",
        "kind": "person",
        "branch_id": branch_id,
        "phones": ["+8613812345678"],
        "vehicle": {"plate": "粤AD54321", "role": "user"},
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "张" * 101}, "name"),
        ({"kind": "dealer"}, "kind"),
        ({"phones": []}, "phones"),
        ({"phones": ["", " "]}, "phones"),
        ({"phones": ["12345"]}, "phones"),
        ({"phones": ["13800138000", "not a number"]}, "phones"),
        ({"phones": [f"1380013{n:04d}" for n in range(11)]}, "phones"),
        ({"phones": [NewPhone("13800138000", "x" * 17)]}, "label"),
        ({"plate": "ABC123"}, "plate"),
        ({"plate": "粤A1234567"}, "plate"),
        ({"brand": "大众"}, "plate"),
        ({"plate": "粤A12345", "vehicle_role": "passenger"}, "vehicle_role"),
        ({"plate": "粤A12345", "model": "m" * 65}, "model"),
        ({"gender": "x"}, "gender"),
        ({"notes": "n" * 2001}, "notes"),
        ({"branch_id": 999}, "branch_id"),
    ],
)
async def test_each_bad_field_is_named_and_nothing_is_written(
    db: Database, directory: CustomerDirectory, branch_id: int, changes: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {
        "name": "孙丽",
        "kind": "person",
        "branch_id": branch_id,
        "phones": ["13800138000"],
    }
    with pytest.raises(ValidationError) as raised:
        await directory.create_customer(ADMIN, NewCustomer(**{**values, **changes}))
    assert raised.value.field == field
    assert len(raised.value.message) < 60  # short: shown next to the field, and translated
    assert await customer_count(db) == 0


async def test_operators_create_customers_in_their_own_branch_only(
    accounts: AccountService, directory: CustomerDirectory, branch_id: int
) -> None:
    other = (await accounts.branches.create_branch(ADMIN, BranchFields("panyu", "番禺店"))).id
    operator, _ = await accounts.users.create_user(
        ADMIN, NewUser("op", Role.OPERATOR, branch_id, password="x" * 12)
    )
    admin, _ = await accounts.users.create_user(
        ADMIN, NewUser("boss", Role.ADMIN, branch_id, password="x" * 12)
    )
    new = NewCustomer("钱多", "person", other, ["13800001111"])
    with pytest.raises(PermissionDenied):
        await directory.create_customer(Actor.of(operator), new)
    assert (await directory.create_customer(Actor.of(admin), new)).branch_id == other
    mine = await directory.create_customer(
        Actor.of(operator), NewCustomer("钱少", "person", branch_id, ["13800002222"])
    )
    assert mine.branch_id == branch_id


async def test_an_inactive_user_cannot_create(
    accounts: AccountService, directory: CustomerDirectory, branch_id: int
) -> None:
    user, _ = await accounts.users.create_user(
        ADMIN, NewUser("gone", Role.OPERATOR, branch_id, password="x" * 12)
    )
    await accounts.users.update_user(ADMIN, user.id, UserChanges(active=False))
    with pytest.raises(PermissionDenied):
        await directory.create_customer(
            Actor.of(user), NewCustomer("某人", "person", branch_id, ["13800003333"])
        )
