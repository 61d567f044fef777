"""``build_services`` takes its overrides (the clock, the password hasher, the login throttle's clock) from
the caller, so tests build the app as the daemon does and change only those: a fixed clock reaches what
the services store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ctid.accounts.branches import BranchFields
from ctid.app import Overrides, build_services
from ctid.audit.models import Actor, AuditFilter
from ctid.crm.new_customer import NewCustomer
from tests.support.site import fast_passwords, make_config

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


async def test_a_fixed_clock_is_the_time_the_services_store(tmp_path: Path, database_url: str) -> None:
    config = make_config(str(tmp_path / "var"), database_url)
    services = build_services(config, overrides=Overrides(clock=lambda: NOW, passwords=fast_passwords()))
    await services.db.start()
    try:
        actor = Actor.system("test")
        branch = await services.accounts.branches.create_branch(actor, BranchFields("east", "东区店"))
        new = NewCustomer("张伟", "person", branch.id, ["13912345678"])
        card = await services.crm.create_customer(actor, new)
        entries = (await services.audit.search(AuditFilter())).items
        assert {(e.action, e.at) for e in entries} == {("branch.create", NOW), ("customer.create", NOW)}
        assert branch.created_at == NOW and card.name == "张伟"
        assert services.stats.today() == NOW.date() and services.home.today() == NOW.date()
    finally:
        await services.db.stop()
