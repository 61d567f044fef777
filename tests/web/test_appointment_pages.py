"""The appointments' day and week views and the customer page's appointments and reminder history, as
drawn for a browser (the booking form itself is the browser tests')."""

from __future__ import annotations

import re
from datetime import timedelta

from ctid.accounts.models import Role
from tests.support.site import Site
from tests.web.support import Api, Browser, BrowserFactory


async def _booked(site: Site, api: Api, advisor: int, days: int = 1, slot: str = "09:30") -> tuple[int, dict]:  # type: ignore[type-arg]
    status, customer = await api("POST", "/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    assert status == 201
    day = (site.services.appointments.today() + timedelta(days=days)).isoformat()
    new = {"customer_id": customer["id"], "day": day, "slot": slot, "service": "首保", "advisor_id": advisor}
    status, made = await api("POST", "/api/v1/appointments", new)
    assert status == 201, made
    return int(customer["id"]), made


async def _logged_in(site: Site, new_browser: BrowserFactory, name: str, role: Role) -> Browser:
    await site.user(name, role)
    browser = await new_browser()
    assert (await browser.login(name)).status == 303
    return browser


async def test_the_day_view_puts_each_car_in_its_advisors_slot(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    adam, _bea = await site.user("adam", Role.ADVISOR), await site.user("bea", Role.ADVISOR)
    _customer, made = await _booked(site, people["olga"], adam.id)
    browser = await _logged_in(site, new_browser, "ann", Role.OPERATOR)
    response = await browser.get(f"/appointments?day={made['day']}")
    page = await response.text()
    assert response.status == 200
    assert re.findall(r'<th data-advisor="(\d+)">', page) == [str(adam.id), str(_bea.id)]
    row = page.split('<tr data-slot="09:30">')[1].split("</tr>")[0]
    cells = row.split('<td data-advisor="')[1:]
    assert f'data-appointment="{made["id"]}"' in cells[0] and "张伟" in cells[0] and "1 free" in cells[0]
    assert "2 free" in cells[1] and 'data-move="arrived"' in cells[0]
    week = await (await browser.get(f"/appointments/week?advisor={adam.id}&start={made['day']}")).text()
    assert f'data-appointment="{made["id"]}"' in week and f'<option value="{adam.id}" selected>' in week


async def test_a_bad_day_is_refused_by_name(site: Site, new_browser: BrowserFactory) -> None:
    browser = await _logged_in(site, new_browser, "ann", Role.OPERATOR)
    response = await browser.get("/appointments?day=2026-02-30")
    assert response.status == 422


async def test_the_customer_page_lists_appointments_and_reminders_and_offers_booking(
    site: Site, people: dict[str, Api], new_browser: BrowserFactory
) -> None:
    adam = await site.user("adam", Role.ADVISOR)
    customer, made = await _booked(site, people["olga"], adam.id)
    await people["olga"]("PATCH", f"/api/v1/appointments/{made['id']}", {"status": "no_show"})
    browser = await _logged_in(site, new_browser, "ann", Role.OPERATOR)
    page = await (await browser.get(f"/customers/{customer}")).text()
    section = page.split('id="appointments"')[1].split("</section>")[0]
    assert f'data-appointment="{made["id"]}"' in section and "no_show" in section
    assert 'id="book-appointment"' in section and "&#34;customerId&#34;: " in section
    history = page.split('id="reminder-history"')[1].split("</section>")[0]
    assert 'class="reminder-item no_show"' in history
    assert "static/booking.js" in page or "booking.js" in page
