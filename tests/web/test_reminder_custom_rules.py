"""The custom reminder rules (/admin/reminders#custom-rules and /api/v1/reminders/custom-rules), on both
backends: admins only; the rules replaced whole and audited before and after, nothing written when the
same; a new rule numbered after every id ever given; a bad rule refused naming it (on the page "Row 2:
Lead days"); the worklist and the customer page name a custom item by its rule."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import insert, select

from ctid.audit.models import AuditFilter
from ctid.reminders import settings_store
from ctid.reminders.custom import CustomRule
from ctid.reminders.tables import reminder_events, reminder_items
from tests.reminders.support import NOW, add_customer, add_items, add_vehicle, item_row
from tests.support.site import Site
from tests.web.support import Api, Browser

RULES = "/api/v1/reminders/custom-rules"
BIRTHDAY = {"name": "爱车生日", "field": "vehicle.purchase_date", "lead_days": [7], "yearly": True}
LICENCE = {"name": "驾照审验", "field": "customer.licence_review_on", "lead_days": [30, 90]}


async def _stored(site: Site) -> tuple[CustomRule, ...]:
    async with site.services.db.connect() as conn:
        return await settings_store.custom_rules(conn)


async def _audited(site: Site) -> list[Any]:
    return (await site.services.audit.search(AuditFilter(entity_id="custom_rules"))).items


async def test_the_api_keeps_the_rules_numbering_new_ones(people: dict[str, Api], site: Site) -> None:
    boss = people["boss"]
    assert await boss("GET", RULES) == (200, {"rules": []})
    status, body = await boss("PUT", RULES, {"rules": [BIRTHDAY, LICENCE]})
    assert status == 200, body
    assert body["rules"] == [
        {**BIRTHDAY, "id": 1, "enabled": True},
        {**LICENCE, "id": 2, "lead_days": [90, 30], "yearly": False, "enabled": True},
    ]
    assert await _stored(site) == (
        CustomRule(1, "爱车生日", "vehicle.purchase_date", (7,), yearly=True),
        CustomRule(2, "驾照审验", "customer.licence_review_on", (90, 30)),
    )
    assert await boss("GET", RULES) == (200, body)
    audit = await _audited(site)
    assert [(e.action, e.entity_type) for e in audit] == [("reminder_settings.update", "reminder_settings")]
    assert audit[0].before == {"rules": []} and audit[0].after == body

    assert await boss("PUT", RULES, body) == (200, body)
    assert len(await _audited(site)) == 1, "the same rules: nothing written, nothing audited"

    # rule 2 removed, a new one: 3, never 2 again (its items keep it)
    status, body = await boss("PUT", RULES, {"rules": [body["rules"][0], {**LICENCE, "name": "首保"}]})
    assert status == 200 and [r["id"] for r in body["rules"]] == [1, 3]
    status, body = await boss("PUT", RULES, {"rules": [body["rules"][0]]})
    status, body = await boss("PUT", RULES, {"rules": [*body["rules"], LICENCE]})
    assert [r["id"] for r in body["rules"]] == [1, 4], "3 was the last given, though removed"
    audit = await _audited(site)
    assert len(audit) == 4 and audit[0].after == body, "newest first"


async def test_a_bad_rule_is_refused_naming_it(people: dict[str, Api], site: Site) -> None:
    boss = people["boss"]
    for rules, field in [
        ([BIRTHDAY, {**LICENCE, "field": "vehicle.plate"}], "rules[1].field"),
        ([{**BIRTHDAY, "lead_days": [7, "x"]}], "rules[0].lead_days[1]"),
        ([{**BIRTHDAY, "name": " "}], "rules[0].name"),
        ([{**BIRTHDAY, "id": 7}], "rules[0].id"),  # no rule 7 is kept: a new rule has no id
        ([{**BIRTHDAY, "colour": "red"}], "rules[0].colour"),
        ([BIRTHDAY, "rule"], "rules[1]"),
        ("rules", "rules"),
        (None, "rules"),
    ]:
        status, answer = await boss("PUT", RULES, {"rules": rules})
        assert status == 422, (rules, answer)
        assert answer["error"]["field"] == field, answer
    status, answer = await boss("PUT", RULES, {})
    assert (status, answer["error"]["field"]) == (422, "rules")
    assert await _stored(site) == () and await _audited(site) == []


async def test_only_admins_keep_the_rules(people: dict[str, Api], site: Site) -> None:
    for who in ("olga", "sam"):
        assert (await people[who]("GET", RULES))[0] == 403, who
        assert (await people[who]("PUT", RULES, {"rules": [BIRTHDAY]}))[0] == 403, who
    assert await _stored(site) == ()


def _form(rows: list[dict[str, str]]) -> dict[str, str]:
    """The rows as a browser sends them (an unchecked box is not sent)."""
    return {
        f"custom-{i}-{key}": value
        for i, row in enumerate(rows)
        for key, value in row.items()
        if value or key not in ("yearly", "enabled")
    }


NEW_ROW = {"id": "", "name": "爱车生日", "field": "vehicle.purchase_date", "lead_days": "30, 7",
           "yearly": "on", "enabled": "on"}  # fmt: skip
BLANK_ROW = {
    "id": "",
    "name": "",
    "field": "customer.birthday",
    "lead_days": "",
    "yearly": "",
    "enabled": "on",
}


async def test_the_page_adds_changes_and_removes_rules(as_admin: Browser, site: Site) -> None:
    page = await (await as_admin.get("/admin/reminders")).text()
    assert 'id="custom-rules"' in page and 'name="custom-2-name" value=""' in page, "three blank rows"
    assert 'action="/admin/reminders/custom-rules"' in page
    assert '<option value="vehicle.purchase_date" >Purchase date</option>' in page
    answer = await as_admin.post("/admin/reminders/custom-rules", _form([BLANK_ROW, NEW_ROW, BLANK_ROW]))
    assert (
        answer.status == 303
        and answer.headers["Location"] == "/admin/reminders?saved=custom_rules#custom-rules"
    )
    assert await _stored(site) == (CustomRule(1, "爱车生日", "vehicle.purchase_date", (30, 7), yearly=True),)
    page = await (await as_admin.get("/admin/reminders?saved=custom_rules")).text()
    assert 'name="custom-0-name" value="爱车生日"' in page and 'name="custom-0-id" value="1"' in page
    assert 'name="custom-0-lead_days" value="30, 7"' in page
    assert re.search(r'name="custom-0-yearly" checked', page) and 'name="custom-3-name" value=""' in page

    kept = {**NEW_ROW, "id": "1", "enabled": ""}
    licence = {**NEW_ROW, "name": "驾照审验", "field": "customer.licence_review_on", "yearly": ""}
    answer = await as_admin.post("/admin/reminders/custom-rules", _form([kept, licence]))
    assert answer.status == 303
    assert await _stored(site) == (
        CustomRule(1, "爱车生日", "vehicle.purchase_date", (30, 7), yearly=True, enabled=False),
        CustomRule(2, "驾照审验", "customer.licence_review_on", (30, 7)),
    )
    removed = await as_admin.post(
        "/admin/reminders/custom-rules", _form([{**kept, "name": ""}, {**licence, "id": "2"}])
    )
    assert removed.status == 303
    assert [rule.id for rule in await _stored(site)] == [2], "a blank name removes the row's rule"
    audit = await as_admin.get("/admin/audit")
    assert audit.status == 200 and "Reminder settings changed" in await audit.text()


async def test_a_bad_row_is_shown_again_naming_its_row_in_words(as_admin: Browser, site: Site) -> None:
    await as_admin.get("/admin/reminders")
    bad = {**NEW_ROW, "name": "首保", "lead_days": "30, x"}
    answer = await as_admin.post("/admin/reminders/custom-rules", _form([NEW_ROW, bad, BLANK_ROW]))
    assert answer.status == 422
    text = await answer.text()
    error = re.search(r'id="form-error">([^<]*)<', text)
    assert error is not None and error.group(1).startswith("Row 2: Lead days must be a whole number"), error
    assert re.search(r'name="custom-1-lead_days" value="30, x"[^>]*aria-invalid="true"', text)
    assert 'name="custom-0-name" value="爱车生日"' in text, "what was typed is kept"
    assert await _stored(site) == ()
    # a blank row left before it: the row is the form's, not the list's
    answer = await as_admin.post("/admin/reminders/custom-rules", _form([BLANK_ROW, bad]))
    assert "Row 2: Lead days" in await answer.text()
    await as_admin.post("/language", {"locale": "zh_CN", "next": "/admin/reminders"})
    answer = await as_admin.post("/admin/reminders/custom-rules", _form([NEW_ROW, {**bad, "lead_days": ""}]))
    text = await answer.text()
    assert answer.status == 422 and "第 2 行: 提前天数" in text, re.search(r'id="form-error">([^<]*)<', text)
    assert "爱车生日" in text and "购车日期" in text


async def test_the_page_needs_its_csrf_token_and_an_admin(
    as_admin: Browser, as_operator: Browser, site: Site
) -> None:
    form = _form([NEW_ROW])
    assert (await as_admin.post("/admin/reminders/custom-rules", form, csrf=False)).status == 403
    assert (await as_operator.post("/admin/reminders/custom-rules", form)).status == 403
    assert await _stored(site) == ()


async def test_a_custom_item_is_named_by_its_rule(as_admin: Browser, site: Site) -> None:
    db = site.services.db
    today = site.services.reminders.worklist.today()
    home = (await site.accounts.branches.default_branch()).id
    wang = await add_customer(db, home, "王伟")
    car = await add_vehicle(db, home, "粤A12345")
    async with db.begin() as conn:
        rule = CustomRule(1, "爱车生日", "vehicle.purchase_date", (7,), yearly=True)
        await settings_store.save_custom_rules(conn, (rule,), NOW, None)
    await add_items(
        db,
        item_row(home, wang, car, "custom", today, rule_id=1, subject=f"rule:1:vehicle:{car}"),
        item_row(home, wang, None, "custom", today, rule_id=9, subject=f"rule:9:customer:{wang}"),
    )
    page = await (await as_admin.get("/reminders?who=all")).text()
    kinds = re.findall(r'<strong class="item-kind">([^<]*)</strong>', page)
    assert sorted(kinds) == ["custom", "爱车生日"], "a removed rule's item keeps the type's word"
    async with db.begin() as conn:  # what was done about it: named by the rule too
        item = await conn.scalar(select(reminder_items.c.id).where(reminder_items.c.rule_id == 1))
        await conn.execute(
            insert(reminder_events).values(
                item_id=item, customer_id=wang, at=NOW, outcome="reached", channel="phone"
            )
        )
    card = await (await as_admin.get(f"/customers/{wang}")).text()
    assert "爱车生日 · 粤A12345" in card
    event = card.split('class="reminder-event"')[1].split("</li>")[0]
    assert "爱车生日 · " in event
