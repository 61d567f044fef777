"""The search box over a real database: names, pinyin, phone, plate and VIN fragments, branches, and an
index that follows every change of a customer's name, phones, vehicles and their links."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from ctid.core.errors import PermissionDenied, ValidationError
from ctid.core.phone import PhoneNormaliser
from ctid.crm.import_models import Upload
from ctid.crm.imports.planning import MergeChoice
from ctid.crm.models import VehicleRole
from ctid.crm.prospects import NewVisit, Prospects
from ctid.crm.record_models import VehicleFilter
from ctid.crm.search import Field
from ctid.crm.search_store import SearchHit
from ctid.crm.tables import customers
from ctid.crm.vehicles import NewVehicleRecord
from ctid.sampledata.samples import vin
from tests.crm.imports.support import csv_bytes
from tests.crm.records.support import World

VIN = vin("LSV", "NV218", "E", "2", "100001")


async def find(world: World, user_name: str, q: str, limit: int = 20) -> list[SearchHit]:
    return await world.records.search.search(getattr(world, user_name), q, limit)


def found(hits: list[SearchHit]) -> list[tuple[str, str]]:
    return [(hit.name, hit.matched.value) for hit in hits]


@pytest.fixture
async def people(world: World) -> World:
    olga = world.olga
    await world.customer(olga, "张三丰", "13800138000", plate="粤A12345")
    await world.customer(olga, "欧阳娜娜", "020-8888-1234")
    await world.customer(olga, "张伟", "13912345678")
    await world.customer(world.erin, "张三丰", "13700137000", plate="粤B54321")  # branch B
    return world


async def test_by_name_and_by_its_fragment(people: World) -> None:
    assert found(await find(people, "olga", "张三丰")) == [("张三丰", "name")]
    assert found(await find(people, "olga", "欧阳娜")) == [("欧阳娜娜", "name")]
    assert found(await find(people, "olga", "阳娜娜")) == [("欧阳娜娜", "name")]


async def test_one_or_two_chinese_characters_are_found_anywhere_in_a_name(people: World) -> None:
    """The trigram index finds nothing under three characters: 恒通 and 物流 find 广州恒通物流, 伟 finds
    张伟. Names starting with the fragment come first (by name), then those holding it (by id)."""
    olga = people.olga
    await people.customer(olga, "广州恒通物流", "020-3888-1000")
    await people.customer(olga, "伟华", "13600136000")
    assert found(await find(people, "olga", "恒通")) == [("广州恒通物流", "name")]
    assert found(await find(people, "olga", "物流")) == [("广州恒通物流", "name")]
    assert found(await find(people, "olga", "流")) == [("广州恒通物流", "name")]
    assert found(await find(people, "olga", "伟")) == [("伟华", "name"), ("张伟", "name")]
    assert found(await find(people, "olga", "三丰")) == [("张三丰", "name")]
    assert found(await find(people, "olga", "张")) == [("张三丰", "name"), ("张伟", "name")]
    assert found(await find(people, "olga", "张伟")) == [("张伟", "name")]
    assert await find(people, "olga", "通恒") == []
    assert await find(people, "olga", "z") == [], "a latin letter alone is still a name's beginning"


async def test_a_chinese_character_beside_a_latin_letter_or_digit(people: World) -> None:
    """A short query mixing a Chinese character with a letter or digit is a piece of the name as well,
    letters in either case; punctuation between them in the name is no piece of it."""
    olga = people.olga
    await people.customer(olga, "王Amy", "13600136000")
    await people.customer(olga, "李·A", "13500135000")
    await people.customer(olga, "车队2", "13400134000")
    assert found(await find(people, "olga", "王a")) == [("王Amy", "name")]
    assert found(await find(people, "olga", "王A")) == [("王Amy", "name")]
    assert found(await find(people, "olga", "队2")) == [("车队2", "name")]
    assert await find(people, "olga", "李A") == []
    assert await find(people, "olga", "A王") == []


async def test_short_fragments_keep_to_the_branch(people: World) -> None:
    assert found(await find(people, "erin", "三丰")) == [("张三丰", "name")]
    assert await find(people, "erin", "伟") == []
    assert [(h.name, h.branch_id) for h in await find(people, "admin", "丰")] == [
        ("张三丰", people.branch_a),
        ("张三丰", people.branch_b),
    ]


async def test_a_common_character_gives_the_first_page(people: World) -> None:
    """Beginning with it, then by id, cut at the limit: the page is read off the index."""
    olga = people.olga
    await people.customer(people.erin, "周伟", "13600136000")  # branch B, between 张伟 and 李伟 by id
    for i, name in enumerate(("李伟", "伟东", "王伟", "赵伟", "伟明")):
        await people.customer(olga, name, f"1360013600{i}")
    assert [h.name for h in await find(people, "olga", "伟", limit=4)] == ["伟东", "伟明", "张伟", "李伟"]
    admin = [h.name for h in await find(people, "admin", "伟", limit=5)]
    assert admin == ["伟东", "伟明", "张伟", "周伟", "李伟"], "every branch's, merged by id"


async def test_short_fragments_follow_every_write_of_a_name(people: World) -> None:
    """Renamed, imported (new and updated) and won from a prospect: the old name's pieces find nobody."""
    olga, actor = people.olga, people.actor(people.olga)
    (wei,) = await find(people, "olga", "张伟")
    await people.records.customers.update(actor, olga, wei.id, {"name": "黄飞鸿"})
    assert await find(people, "olga", "伟") == []
    assert found(await find(people, "olga", "飞")) == [("黄飞鸿", "name")]
    await people.customer(olga, "陈 静怡", "13900139001")
    assert await find(people, "olga", "陈静") == [], "a space in the name is no piece of it"
    header = ["客户名称", "电话"]
    body = [
        ["广州恒通物流", "020-3888-1000"],
        ["陈静怡", "13900139001"],
    ]  # the same customer: spaces don't count
    upload = Upload(csv_bytes([header, *body]), "customers.csv")
    sam = people.supervisor
    result = await people.records.imports.apply(people.actor(sam), sam, upload, MergeChoice.UPDATE)
    assert (result.customers_created, result.updated) == (1, 1)
    assert found(await find(people, "olga", "物流")) == [("广州恒通物流", "name")]
    assert found(await find(people, "olga", "陈静")) == [("陈静怡", "name")]
    prospects = Prospects(people.db, PhoneNormaliser("CN", "020"), people.records.customers)
    prospect = await prospects.create(people.actor(sam), sam, {"name": "刘德华", "phone": "13300133000"})
    await prospects.review(people.actor(sam), sam, prospect.id)
    await prospects.add_visit(people.actor(sam), sam, prospect.id, NewVisit("电话", "来店看车"))
    await prospects.win(people.actor(sam), sam, prospect.id)
    assert found(await find(people, "olga", "德")) == [("刘德华", "name")]


async def test_two_letters_are_a_two_character_names_initials(people: World) -> None:
    """The README's own example: ``zw`` for 张伟 (two letters are too few for the trigram index)."""
    olga = people.olga
    await people.customer(olga, "赵文", "13600136000")
    await people.customer(olga, "张伟明", "13500135000")  # zwm: three initials, not two
    assert sorted(found(await find(people, "olga", "zw"))) == [("张伟", "pinyin"), ("赵文", "pinyin")]
    assert found(await find(people, "olga", "ZW")) == found(await find(people, "olga", "zw"))
    assert await find(people, "erin", "zw") == [], "another branch's are not found"


async def test_by_pinyin(people: World) -> None:
    assert found(await find(people, "olga", "zsf")) == [("张三丰", "pinyin")]
    assert found(await find(people, "olga", "ZhangSan")) == [("张三丰", "pinyin")]
    assert found(await find(people, "olga", "oyn")) == [("欧阳娜娜", "pinyin")]
    assert {h.name for h in await find(people, "olga", "zhang")} == {"张三丰", "张伟"}


async def test_by_phone_fragment(people: World) -> None:
    (hit,) = await find(people, "olga", "0013 8000")
    assert (hit.name, hit.matched, hit.phones, hit.plates) == (
        "张三丰",
        Field.PHONE,
        ("13800138000",),
        ("粤A12345",),
    )
    assert found(await find(people, "olga", "8888-1234")) == [("欧阳娜娜", "phone")]
    assert found(await find(people, "olga", "02088881234")) == [("欧阳娜娜", "phone")]
    assert found(await find(people, "olga", "+86 20 8888 1234")) == [("欧阳娜娜", "phone")]


async def test_by_plate_fragment(people: World) -> None:
    assert found(await find(people, "olga", "A12")) == [("张三丰", "plate")]
    assert found(await find(people, "olga", "粤a·1234")) == [("张三丰", "plate")]
    # digits: phones first (139 1234 5678), then plates
    assert found(await find(people, "olga", "12345")) == [("张伟", "phone"), ("张三丰", "plate")]


async def test_by_vin_fragment(people: World) -> None:
    customer = (await find(people, "olga", "欧阳娜娜"))[0].id
    links = [(customer, VehicleRole.OWNER)]
    await people.records.vehicles.create(
        people.actor(people.olga), people.olga, NewVehicleRecord({"plate": "粤C77777", "vin": VIN}, links)
    )
    assert found(await find(people, "olga", VIN[-8:])) == [("欧阳娜娜", "vin")]
    assert found(await find(people, "olga", VIN)) == [("欧阳娜娜", "vin")]
    assert found(await find(people, "olga", "C777")) == [("欧阳娜娜", "plate")]


async def test_branches_are_kept_apart(people: World) -> None:
    assert found(await find(people, "erin", "张三丰")) == [("张三丰", "name")]
    assert (await find(people, "erin", "张三丰"))[0].plates == ("粤B54321",)
    assert await find(people, "erin", "A12") == []
    assert await find(people, "olga", "B543") == []
    assert len(await find(people, "admin", "张三丰")) == 2
    assert len(await find(people, "admin", "张")) == 3


async def test_a_changed_phone_or_plate_is_found_by_its_new_value_only(people: World) -> None:
    olga, actor = people.olga, people.actor(people.olga)
    (zhang,) = await find(people, "olga", "张三丰")
    await people.records.customers.update(actor, olga, zhang.id, {"phones": ["13500135000"]})
    assert await find(people, "olga", "0013 8000") == []
    assert found(await find(people, "olga", "0013 5000")) == [("张三丰", "phone")]
    vehicle = (await people.records.vehicles.page(olga, _vehicles_of(zhang.id))).items[0]
    await people.records.vehicles.update(actor, olga, vehicle.id, {"plate": "粤A99887"}, None)
    assert await find(people, "olga", "A12345") == []
    assert found(await find(people, "olga", "A9988")) == [("张三丰", "plate")]
    await people.records.customers.update(actor, olga, zhang.id, {"name": "张无忌"})
    assert found(await find(people, "olga", "zwj")) == [("张无忌", "pinyin")]
    assert await find(people, "olga", "zsf") == []


async def test_a_vehicle_given_to_someone_else_moves_in_the_index(people: World) -> None:
    olga, actor = people.olga, people.actor(people.olga)
    (zhang,) = await find(people, "olga", "张三丰")
    (wei,) = await find(people, "olga", "张伟")
    vehicle = (await people.records.vehicles.page(olga, _vehicles_of(zhang.id))).items[0]
    await people.records.vehicles.update(actor, olga, vehicle.id, {}, [(wei.id, VehicleRole.OWNER)])
    assert found(await find(people, "olga", "A12345")) == [("张伟", "plate")]


async def test_limit_and_refusals(people: World) -> None:
    assert len(await find(people, "admin", "张", limit=1)) == 1
    with pytest.raises(ValidationError):
        await find(people, "olga", "张", limit=0)
    assert await find(people, "olga", " ·- ") == []


async def test_the_demo_is_searchable(world: World, demo: int) -> None:
    assert found(await find(world, "olga", "粤AD1234")) != []
    assert any(h.matched == Field.PHONE for h in await find(world, "olga", "0013 8000"))
    assert {h.name for h in await find(world, "olga", "有限", limit=50)} == set(
        await _names_holding(world, "有限")
    )


async def _names_holding(world: World, fragment: str) -> list[str]:
    async with world.db.connect() as conn:
        names = await conn.scalars(select(customers.c.name).where(customers.c.branch_id == world.branch_a))
        return [name for name in names if fragment in name]


async def test_it_takes_crm_view(people: World) -> None:
    with pytest.raises(PermissionDenied):
        await people.records.search.search(replace(people.olga, active=False), "张三丰")


def _vehicles_of(customer_id: int) -> VehicleFilter:
    return VehicleFilter(customer_id=customer_id)
