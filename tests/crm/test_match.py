"""Who is calling: every customer with the number, however it was written, last seen first."""

from __future__ import annotations

import pytest

from ctid.accounts.branches import BranchFields
from ctid.accounts.service import AccountService
from ctid.audit.models import Actor
from ctid.core.phone import PhoneNormaliser
from ctid.crm.models import CustomerKind
from ctid.crm.new_customer import NewCustomer
from ctid.crm.service import CustomerDirectory
from ctid.sampledata.demo import DEMO_KNOWN, DEMO_UNKNOWN

pytestmark = pytest.mark.usefixtures("demo")


def key(normaliser: PhoneNormaliser, raw: str) -> str:
    e164 = normaliser.normalise(raw).e164
    assert e164 is not None
    return e164


async def names(directory: CustomerDirectory, normaliser: PhoneNormaliser, raw: str) -> list[str]:
    return [c.name for c in await directory.match(key(normaliser, raw))]


async def test_a_number_of_one_customer_pops_that_customer(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    [zhang] = await directory.match(key(normaliser, DEMO_KNOWN[0]))
    assert (zhang.name, zhang.kind, zhang.level) == ("张伟", CustomerKind.PERSON, "VIP")
    assert zhang.last_visit_on is not None


async def test_a_switchboard_pops_the_company_and_its_staff_last_seen_first(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    candidates = await directory.match(key(normaliser, DEMO_KNOWN[1]))
    assert [c.name for c in candidates] == ["李强", "广州恒通物流有限公司", "陈静"]
    assert [c.kind for c in candidates] == [CustomerKind.PERSON, CustomerKind.COMPANY, CustomerKind.PERSON]
    assert candidates[2].last_visit_on is None  # never in: last


async def test_a_family_line_pops_both(directory: CustomerDirectory, normaliser: PhoneNormaliser) -> None:
    assert await names(directory, normaliser, DEMO_KNOWN[2]) == ["王芳", "刘洋"]


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("+86 20 8888 1234", DEMO_KNOWN[1]),
        ("0086 20 88881234", DEMO_KNOWN[1]),
        ("(020) 8888-1234", DEMO_KNOWN[1]),
        ("88881234", DEMO_KNOWN[1]),  # caller ID of a local call: the site's area code completes it
        ("+86 138 0013 8000", DEMO_KNOWN[0]),
        ("138-0013-8000", DEMO_KNOWN[0]),
        ("+8613800138000", DEMO_KNOWN[0]),
        ("１３８００１３８０００", DEMO_KNOWN[0]),  # full-width digits from a Chinese input method
    ],
)
async def test_any_written_form_finds_the_same_customers(
    directory: CustomerDirectory, normaliser: PhoneNormaliser, written: str, stored: str
) -> None:
    assert await names(directory, normaliser, written) == await names(directory, normaliser, stored)
    assert await names(directory, normaliser, written)


async def test_an_unknown_number_matches_nobody(
    directory: CustomerDirectory, normaliser: PhoneNormaliser
) -> None:
    assert await directory.match(key(normaliser, DEMO_UNKNOWN)) == []
    assert await directory.match("") == []


async def test_customers_of_every_branch_are_candidates_with_their_branch(
    directory: CustomerDirectory, normaliser: PhoneNormaliser, accounts: AccountService, branch_id: int
) -> None:
    other = await accounts.branches.create_branch(Actor.system(), BranchFields("tianhe", "天河店"))
    new = NewCustomer("赵敏", CustomerKind.PERSON, other.id, ["+86 138 0013 8000"])
    created = await directory.create_customer(Actor.system(), new)
    candidates = await directory.match(key(normaliser, DEMO_KNOWN[0]))
    assert {(c.name, c.branch_id) for c in candidates} == {("张伟", branch_id), ("赵敏", other.id)}
    assert candidates[-1].id == created.id  # never visited: after 张伟
