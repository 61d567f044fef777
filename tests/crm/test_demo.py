"""The demo data set: deterministic, realistic enough to show every part of a pop, known numbers included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

from ctid.accounts.service import AccountService
from ctid.accounts.throttle import LoginThrottle
from ctid.audit.models import AuditFilter
from ctid.audit.service import AuditService
from ctid.core.phone import PhoneNormaliser
from ctid.crm.models import CustomerKind, FollowUpKind
from ctid.crm.plates import normalise_plate
from ctid.crm.service import CustomerDirectory
from ctid.sampledata.demo import DEMO_KNOWN, DEMO_UNKNOWN, demo_plan, seed_demo
from ctid.sampledata.samples import vin_is_valid
from ctid.storage.db import Database
from tests.crm.support import NOW, TODAY, dump, rows


def test_the_plan_is_a_function_of_seed_count_and_today() -> None:
    assert demo_plan(200, 7, TODAY) == demo_plan(200, 7, TODAY)
    assert demo_plan(200, 7, TODAY) != demo_plan(200, 8, TODAY)
    assert demo_plan(200, 7, TODAY) != demo_plan(200, 7, date(2026, 3, 23))


def test_the_plan_has_the_requested_count_and_every_kind_of_customer() -> None:
    plan = demo_plan(200, 7, TODAY)
    assert len(plan.customers) == 200
    assert len({c.key for c in plan.customers}) == 200
    kinds = Counter(c.kind for c in plan.customers)
    assert kinds[CustomerKind.COMPANY] >= 3 and kinds[CustomerKind.PERSON] >= 150
    assert {f.kind for f in plan.follow_ups} == set(FollowUpKind)
    plates = [v.plate for v in plan.vehicles]
    assert len(plates) == len(set(plates)) and all(normalise_plate(p) == p for p in plates)
    assert any(len(p) == 8 for p in plates)  # green new-energy plates
    assert all(vin_is_valid(v.vin) for v in plan.vehicles if v.vin)
    numbers = Counter(n for c in plan.customers for n, _ in c.phones)
    assert sum(1 for n in numbers.values() if n > 1) >= 5  # switchboards and family lines
    assert DEMO_UNKNOWN not in numbers


async def test_seeding_twice_gives_the_same_rows(
    new_database_url: Callable[[], str], normaliser: PhoneNormaliser
) -> None:
    dumps = []
    for _ in range(2):
        db = Database(new_database_url())
        await db.start()
        branch = await AccountService(db, LoginThrottle(), clock=lambda: NOW).branches.default_branch()
        assert await seed_demo(db, normaliser, branch.id, count=80, rng_seed=5, today=TODAY) == 80
        dumps.append(await dump(db))
        await db.stop()
    assert dumps[0] == dumps[1]


async def test_seeding_a_seeded_branch_does_nothing(
    db: Database, normaliser: PhoneNormaliser, branch_id: int, demo: int
) -> None:
    before = await dump(db)
    assert await seed_demo(db, normaliser, branch_id, count=60, today=TODAY) == 0
    assert await dump(db) == before
    assert demo == 60


async def test_every_stored_number_is_normalised_as_the_normaliser_does(
    db: Database, normaliser: PhoneNormaliser, demo: int
) -> None:
    phones = await rows(db, "SELECT number, e164 FROM customer_phones")
    assert phones and all(normaliser.normalise(str(number)).e164 == e164 for number, e164 in phones)
    without_area_code = PhoneNormaliser("CN")
    assert all(without_area_code.normalise(str(number)).e164 == e164 for number, e164 in phones)


async def test_the_known_numbers_ring_known_customers(
    directory: CustomerDirectory, normaliser: PhoneNormaliser, demo: int
) -> None:
    counts = []
    for raw in (*DEMO_KNOWN, DEMO_UNKNOWN):
        e164 = normaliser.normalise(raw).e164
        assert e164 is not None
        counts.append(len(await directory.match(e164)))
    assert counts == [1, 3, 2, 0]


async def test_every_demo_card_reads(db: Database, directory: CustomerDirectory, demo: int) -> None:
    reminded = 0
    for (customer_id,) in await rows(db, "SELECT id FROM customers"):
        card = await directory.card(int(str(customer_id)), TODAY)
        assert card.phones
        reminded += bool(card.due_reminders)
    assert reminded >= 5


async def test_seeding_is_audited(db: Database, branch_id: int, demo: int) -> None:
    [entry] = (await AuditService(db).search(AuditFilter(action="crm.seed_demo"))).items
    assert (entry.actor_name, entry.entity_id, entry.after) == (
        "demo",
        str(branch_id),
        {"customers": 60, "seed": 20260322},
    )
