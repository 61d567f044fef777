"""The day-before SMS of an appointment (ctid.reminders.day_before), on each backend: tomorrow's booked
appointments get the ``appointment_reminder`` preset once (a second run sends nothing); cancelled ones,
other days, customers without a mobile or who refused SMS get none."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import insert, select

from ctid.accounts.models import Role
from ctid.accounts.service import AccountService
from ctid.accounts.users import NewUser
from ctid.audit.models import Actor
from ctid.crm.tables import customer_opt_outs, customer_phones
from ctid.messaging.outbox import OutboxSettings, SmsOutbox
from ctid.messaging.tables import sms_messages
from ctid.messaging.template_service import SmsTemplates
from ctid.reminders.appointment_tables import appointments
from ctid.reminders.day_before import DayBefore
from ctid.reminders.own_sms import OwnSms
from ctid.storage.db import Database
from tests.reminders.support import NOW, TODAY, add_customer, add_vehicle

TOMORROW = TODAY + timedelta(days=1)


async def _booked(
    db: Database, branch_id: int, advisor: int, name: str, number: str | None, **values: object
) -> int:
    customer = await add_customer(db, branch_id, name)
    car = await add_vehicle(db, branch_id, f"粤A{customer:05d}")
    async with db.begin() as conn:
        if number:
            await conn.execute(
                insert(customer_phones).values(customer_id=customer, number=number, e164=number)
            )
        row = {
            "branch_id": branch_id, "customer_id": customer, "vehicle_id": car, "day": TOMORROW,
            "slot": "09:30", "service": "保养", "advisor_id": advisor, "status": "booked",
            "created_at": NOW, "updated_at": NOW, **values,
        }  # fmt: skip
        await conn.execute(insert(appointments).values(**row))
    return customer


async def test_tomorrows_booked_appointments_get_the_sms_once(
    db: Database, branch_id: int, accounts: AccountService
) -> None:
    new = NewUser("wf", Role.ADVISOR, branch_id, "王芳", "a long password 1", False)
    advisor = (await accounts.users.create_user(Actor.system("test"), new))[0].id
    wang = await _booked(db, branch_id, advisor, "王伟", "+8613800138000")
    await _booked(db, branch_id, advisor, "座机", "+862038886666")
    refused = await _booked(db, branch_id, advisor, "拒收", "+8613900139000")
    async with db.begin() as conn:
        await conn.execute(
            insert(customer_opt_outs).values(customer_id=refused, contact_type="sms", created_at=NOW)
        )
    await _booked(db, branch_id, advisor, "取消", "+8613700137000", status="cancelled")
    await _booked(db, branch_id, advisor, "后天", "+8613600136000", day=TOMORROW + timedelta(days=1))
    outbox = SmsOutbox(db, [], OutboxSettings(), "Asia/Shanghai", lambda: NOW)
    sender = DayBefore(OwnSms(db, outbox, SmsTemplates(db, lambda: NOW), "本店", lambda: NOW))
    assert await sender.run(TODAY) == 1
    assert await sender.run(TODAY) == 0, "a second run sends nothing again"
    async with db.connect() as conn:
        sent = (
            await conn.execute(
                select(sms_messages.c.customer_id, sms_messages.c.text, sms_messages.c.purpose)
            )
        ).all()
    assert len(sent) == 1 and sent[0][0] == wang and sent[0][2] == "service"
    assert (
        "王伟" in sent[0][1]
        and "12月8日 09:30" in sent[0][1]
        and "王芳" in sent[0][1]
        and "{" not in sent[0][1]
    )
