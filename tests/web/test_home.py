"""The start page over a real SQLite file: today's birthday, a due reminder, today's missed call, an open
complaint and an announcement an admin posted with the page's form (and only admins may post)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert

from ctid.accounts.models import User
from ctid.audit.models import Actor
from ctid.calls.tables import calls
from ctid.core.config import Config, parse
from ctid.crm.follow_ups import NewFollowUp
from ctid.crm.lunar import birth_dates_on
from ctid.crm.models import FollowUpKind, VehicleRole
from ctid.crm.new_customer import NewCustomer
from ctid.crm.vehicles import NewVehicleRecord
from tests.support.site import Site, build_site, make_config
from tests.web.support import Browser


@pytest.fixture
def config(tmp_path: Any, database_url: str) -> Config:
    base = make_config(str(tmp_path / "var"), database_url)
    return replace(base, lines=parse({"lines": [{"name": "front", "driver": "sim"}]}, "test").lines)


@pytest.fixture
async def site(config: Config) -> AsyncIterator[Site]:
    async with build_site(config) as built:
        await built.services.pops.start()  # learns which branch each line is in
        yield built
        await built.services.pops.stop()


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return date(today.year - years, 2, 28)


async def _a_day_of_work(site: Site, operator: User) -> None:
    services, actor = site.services, Actor.of(operator)
    today = services.home.today()
    records = services.records
    born = _years_ago(today, 40)
    guest = await records.customers.create(
        actor, operator, NewCustomer("王寿星", "person", 0, ["13800138000"], birthday=born)
    )
    other = await records.customers.create(
        actor,
        operator,
        NewCustomer("赵平常", "person", 0, ["13800138001"], birthday=born + timedelta(days=3)),
    )
    links = [(other.customer.id, VehicleRole.OWNER)]
    fields = {"plate": "粤A12345", "insurance_expiry": today + timedelta(days=5)}
    await records.vehicles.create(actor, operator, NewVehicleRecord(fields, links))
    complaint = NewFollowUp(guest.customer.id, FollowUpKind.COMPLAINT, content="等待时间太长")
    await records.follow_ups.create(actor, operator, complaint)
    now = datetime.now(UTC)
    async with services.db.begin() as conn:
        base = {"line": "front", "direction": "inbound", "started_at": now, "ended_at": now, "rings": 3}
        await conn.execute(insert(calls).values(id="c1", number="13900007777", outcome="missed", **base))
        await conn.execute(insert(calls).values(id="c2", number="13900008888", outcome="answered", **base))


async def test_the_start_page_shows_the_day(
    site: Site, operator: User, as_operator: Browser, as_admin: Browser
) -> None:
    await _a_day_of_work(site, operator)
    await as_admin.get("/")
    response = await as_admin.post(
        "/announcements", {"title": "周六全员培训", "body": "上午九点", "branch_id": ""}
    )
    assert response.status == 303
    response = await as_operator.get("/")
    assert response.status == 200
    page = await response.text()
    birthdays = page.split('id="birthdays"')[1].split("</section>")[0]
    assert "王寿星" in birthdays and "赵平常" not in birthdays
    reminders = page.split('id="reminders"')[1].split("</section>")[0]
    assert "粤A12345" in reminders and "赵平常" in reminders
    assert "等待时间太长" in page.split('id="complaints"')[1]
    today_calls = page.split('id="calls-today"')[1].split("</section>")[0]
    assert '<dd class="missed">1</dd>' in today_calls and '<dd class="answered">1</dd>' in today_calls
    assert "139 0000 7777" in today_calls  # as written locally
    assert "周六全员培训" in page.split('id="announcements"')[1]
    assert 'id="new-announcement"' not in page, "operators do not post announcements"
    response = await as_operator.post("/announcements", {"title": "x"})
    assert response.status == 403


async def test_announcements_api(site: Site, as_admin: Browser, as_operator: Browser) -> None:
    await as_admin.get("/")
    headers = {"X-CSRF-Token": as_admin.token}
    response = await as_admin.client.post(
        "/api/v1/announcements", json={"title": "放假通知", "expires_on": "2999-01-01"}, headers=headers
    )
    assert response.status == 201, await response.text()
    created = await response.json()
    response = await as_admin.client.post("/api/v1/announcements", json={"title": ""}, headers=headers)
    assert (response.status, (await response.json())["error"]["field"]) == (422, "title")
    listed = await (await as_operator.client.get("/api/v1/announcements")).json()
    assert [a["title"] for a in listed["items"]] == ["放假通知"]
    path = f"/api/v1/announcements/{created['id']}"
    await as_operator.get("/")
    response = await as_operator.client.delete(path, headers={"X-CSRF-Token": as_operator.token})
    assert response.status == 403
    response = await as_admin.client.delete(path, headers=headers)
    assert response.status == 200
    listed = await (await as_operator.client.get("/api/v1/announcements")).json()
    assert listed["items"] == []


async def test_a_lunar_birthday_is_on_the_start_page_on_its_lunar_day(
    site: Site, operator: User, as_operator: Browser
) -> None:
    services, actor = site.services, Actor.of(operator)
    today = services.home.today()
    lunar_born = birth_dates_on(today, first_year=today.year - 60)
    if not lunar_born:
        pytest.skip("today is in a leap month: nobody's lunar birthday")  # a few weeks in some years
    solar_born = next(b for years in range(40, 60) if (b := _years_ago(today, years)) not in lunar_born)
    for name, phone, born in (
        ("陈农历", "13800138002", lunar_born[0]),
        ("周阳历", "13800138003", solar_born),
    ):
        new = NewCustomer(name, "person", 0, [phone], birthday=born, birthday_lunar=True)
        await services.records.customers.create(actor, operator, new)
    page = await (await as_operator.get("/")).text()
    birthdays = page.split('id="birthdays"')[1].split("</section>")[0]
    assert "陈农历" in birthdays and "周阳历" not in birthdays, "the lunar day counts, not the solar one"
