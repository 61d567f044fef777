"""What the CRM records tests share: the ``World`` the ``world`` fixture (conftest.py) builds."""

from __future__ import annotations

from dataclasses import dataclass

from ctid.accounts.models import User
from ctid.audit.models import Actor
from ctid.crm.new_customer import NewCustomer
from ctid.crm.record_models import CustomerRecord
from ctid.crm.records import CrmRecords
from ctid.storage.db import Database


@dataclass
class World:
    """Branch A (the default) with an admin, a supervisor and an operator; branch B with an operator."""

    db: Database
    records: CrmRecords
    branch_a: int
    branch_b: int
    admin: User
    supervisor: User
    olga: User  # operator, branch A
    erin: User  # operator, branch B

    @staticmethod
    def actor(user: User) -> Actor:
        return Actor.of(user, "192.0.2.9")

    async def customer(
        self, user: User, name: str = "张伟", phone: str = "13800138000", **kw: object
    ) -> CustomerRecord:
        new = NewCustomer(name, "person", 0, [phone], **kw)  # type: ignore[arg-type]
        return await self.records.customers.create(self.actor(user), user, new)
