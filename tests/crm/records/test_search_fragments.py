"""Search by a fragment of a name, one to three characters with a Chinese one, over the real services: a
customer is found exactly when the fragment is in their name, in the searcher's branch, whichever way the
name was written (created, renamed, imported)."""

from __future__ import annotations

from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ctid.accounts.branches import BranchFields
from ctid.accounts.models import Role, User
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser
from ctid.crm.import_models import Upload
from ctid.crm.imports.planning import MergeChoice
from ctid.crm.new_customer import NewCustomer
from ctid.crm.tables import customers
from tests.crm.imports.support import csv_bytes
from tests.crm.records.support import World
from tests.support.site import TEST_ACTOR

_CHINESE = "张王伟李通物流恒"  # few, so that fragments are often in a name
_NAME = st.text(st.sampled_from(_CHINESE + "Aa1 ·"), min_size=1, max_size=8).filter(lambda n: n.strip())
_FRAGMENT = st.text(st.sampled_from(_CHINESE + "Aa1"), min_size=1, max_size=3).filter(
    lambda f: any(c in _CHINESE for c in f)
)
_SEARCHABLE = set(_CHINESE + "Aa1")  # what a query keeps of the names' characters
_HOW = st.sampled_from(["created", "renamed", "imported"])
_serial = count(1)


async def _branch_with_operator(accounts: AccountService) -> tuple[int, User]:
    serial = next(_serial)
    branch = (
        await accounts.branches.create_branch(TEST_ACTOR, BranchFields(f"p{serial}", f"分店{serial}"))
    ).id
    user, _password = await accounts.users.create_user(
        TEST_ACTOR, NewUser(f"op{serial}", Role.OPERATOR, branch, "Op")
    )
    return branch, user


async def _write(world: World, branch: int, how: str, name: str, first: str) -> None:
    """The customer ``name`` in ``branch``: created so, created as ``first`` and renamed, or imported."""
    admin, actor = world.admin, world.actor(world.admin)
    if how == "imported":
        upload = Upload(csv_bytes([["客户名称", "电话"], [name, "13800138000"]]), "c.csv", branch_id=branch)
        await world.records.imports.apply(actor, admin, upload, MergeChoice.CREATE)
        return
    phones = ["13800138000"]  # one number for all, as a family's: confirmed
    new = NewCustomer(
        first if how == "renamed" else name, "person", branch, phones, confirm_shared_phone=True
    )
    record = await world.records.customers.create(actor, admin, new)
    if how == "renamed":
        await world.records.customers.update(actor, admin, record.customer.id, {"name": name})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    mine=st.lists(st.tuples(_HOW, _NAME, _NAME), min_size=1, max_size=5),
    others=st.lists(_NAME, max_size=2),
    fragment=st.one_of(_FRAGMENT, st.data()),
)
async def test_a_fragment_finds_exactly_the_names_holding_it(
    world: World,
    accounts: AccountService,
    mine: list[tuple[str, str, str]],
    others: list[str],
    fragment: str | st.DataObject,
) -> None:
    branch, operator = await _branch_with_operator(accounts)
    for how, name, first in mine:
        await _write(world, branch, how, name, first)
    for name in others:  # another branch's: never found from this one
        await _write(world, world.branch_b, "created", name, name)
    stored = await _names(world, branch)
    if not isinstance(fragment, str):  # a piece of a stored name, when it has one with a Chinese character
        pieces = [n[i : i + size] for n in stored.values() for size in (1, 2, 3) for i in range(len(n))]
        pieces = [p for p in pieces if set(p) <= _SEARCHABLE and any(c in _CHINESE for c in p)]
        fragment = fragment.draw(st.sampled_from(pieces)) if pieces else "恒"
    hits = await world.records.search.search(operator, fragment, limit=50)
    expected = {i for i, name in stored.items() if fragment.lower() in name.lower()}
    assert {hit.id for hit in hits} == expected, (fragment, stored)
    assert len(hits) == len(expected)


async def _names(world: World, branch: int) -> dict[int, str]:
    async with world.db.connect() as conn:
        rows = await conn.execute(
            select(customers.c.id, customers.c.name).where(customers.c.branch_id == branch)
        )
        return {int(row.id): str(row.name) for row in rows}
