"""The reminder settings (/admin/reminders and /api/v1/reminders/settings, /inspection-rules): admins
only; a type's settings replaced whole and audited with what changed; a bad value refused naming the
field (on the page by its label, in the user's language); the rule table kept and read by the build."""

from __future__ import annotations

import re

from ctid.audit.models import AuditFilter
from ctid.core.paging import PageRequest
from ctid.reminders import settings_store
from ctid.reminders.inspection import DEFAULT_INSPECTION_RULES, inspection_rules_to_json
from ctid.reminders.models import ReminderType
from ctid.reminders.settings import DEFAULT_SETTINGS, settings_to_json
from ctid.web import reminder_settings_forms as forms
from tests.support.site import Site
from tests.web.support import Api, Browser

SETTINGS = "/api/v1/reminders/settings"
RULES = "/api/v1/reminders/inspection-rules"


async def _stored(site: Site, type_: ReminderType) -> dict[str, object]:
    async with site.services.db.connect() as conn:
        return settings_to_json((await settings_store.load(conn))[type_])


async def test_the_api_lists_every_type_and_replaces_one(people: dict[str, Api], site: Site) -> None:
    boss = people["boss"]
    status, body = await boss("GET", SETTINGS)
    assert status == 200, body
    assert [item["type"] for item in body["items"]] == [t.value for t in ReminderType]
    assert body["items"][0] == settings_to_json(DEFAULT_SETTINGS[ReminderType.INSURANCE])
    status, saved = await boss(
        "PUT", SETTINGS + "/insurance", {"lead_days": [60, 30], "enabled": False, "retry_max_tries": 2}
    )
    assert status == 200, saved
    assert saved["lead_days"] == [60, 30] and saved["enabled"] is False
    assert saved["expire_after_days"] == 30, "a key left out takes the type's default"
    assert await _stored(site, ReminderType.INSURANCE) == saved
    assert (await boss("GET", SETTINGS + "/insurance"))[1] == saved
    audit = (await site.services.audit.search(AuditFilter(entity_type="reminder_settings"))).items
    assert [(e.action, e.entity_id) for e in audit] == [("reminder_settings.update", "insurance")]
    assert audit[0].before == {"enabled": True, "lead_days": [45, 30, 15], "retry_max_tries": 3}
    assert audit[0].after == {"enabled": False, "lead_days": [60, 30], "retry_max_tries": 2}
    again = await boss("PUT", SETTINGS + "/insurance", saved)
    assert again[0] == 200
    audit = (await site.services.audit.search(AuditFilter(entity_type="reminder_settings"))).items
    assert len(audit) == 1, "nothing changed: nothing audited"


async def test_a_bad_value_is_refused_naming_the_field(people: dict[str, Api], site: Site) -> None:
    boss = people["boss"]
    for body, field in [
        ({"lead_days": [30, "x"]}, "lead_days[1]"),
        ({"lead_day": [30]}, "lead_day"),
        ({"channel": "fax"}, "channel"),
        ({"interval_km": 5000}, "interval_km"),  # maintenance's, not insurance's
        ({"type": "birthday"}, "type"),
        ({"assignee": "fixed_user", "assignee_user_id": 99999}, "assignee_user_id"),
    ]:
        status, answer = await boss("PUT", SETTINGS + "/insurance", body)
        assert status == 422, (body, answer)
        assert answer["error"]["field"] == field, answer
        assert field.split("[")[0] in answer["error"]["message"], answer
    status, answer = await boss("PUT", SETTINGS + "/insurance", {"assignee": "fixed_user"})
    assert (status, answer["error"]["field"]) == (422, "assignee_user_id")
    assert answer["error"]["message"] == "Name the user who works these reminders."
    assert (await boss("PUT", SETTINGS + "/nonsense", {}))[0] == 404
    assert await _stored(site, ReminderType.INSURANCE) == settings_to_json(
        DEFAULT_SETTINGS[ReminderType.INSURANCE]
    )
    olga_id = (await site.accounts.users.list_users(PageRequest(1, 50), text="olga")).items[0].id
    status, saved = await boss(
        "PUT", SETTINGS + "/insurance", {"assignee": "fixed_user", "assignee_user_id": olga_id}
    )
    assert status == 200 and saved["assignee_user_id"] == olga_id


async def test_only_admins_keep_the_settings(people: dict[str, Api]) -> None:
    for who in ("olga", "sam"):
        assert (await people[who]("GET", SETTINGS))[0] == 403, who
        assert (await people[who]("PUT", SETTINGS + "/birthday", {"enabled": False}))[0] == 403, who
        assert (await people[who]("PUT", RULES, {"rules": None}))[0] == 403, who


async def test_the_inspection_rules_are_kept_and_the_defaults_restored(
    people: dict[str, Api], site: Site
) -> None:
    boss = people["boss"]
    status, body = await boss("GET", RULES)
    assert status == 200 and body == {"rules": inspection_rules_to_json(DEFAULT_INSPECTION_RULES)}
    rows = body["rules"][:3]
    assert (await boss("PUT", RULES, {"rules": rows})) == (200, {"rules": rows})
    async with site.services.db.connect() as conn:
        assert await settings_store.inspection_rules(conn) == DEFAULT_INSPECTION_RULES[:3]
    bad = [dict(rows[0], every_months=0)]
    status, answer = await boss("PUT", RULES, {"rules": bad})
    assert status == 422 and answer["error"]["field"] == "rules[0].every_months"
    assert (await boss("PUT", RULES, {}))[0] == 422
    assert (await boss("PUT", RULES, {"rules": None}))[1] == {
        "rules": inspection_rules_to_json(DEFAULT_INSPECTION_RULES)
    }
    audit = (await site.services.audit.search(AuditFilter(entity_id="inspection_rules"))).items
    assert len(audit) == 2


def _form(type_: ReminderType, **changes: str) -> dict[str, str]:
    return {**forms.settings_texts(DEFAULT_SETTINGS[type_]), **changes}


async def test_the_page_saves_a_type_and_shows_it_after_reload(as_admin: Browser, site: Site) -> None:
    page = await as_admin.get("/admin/reminders")
    assert page.status == 200
    text = await page.text()
    assert 'id="type-insurance"' in text and 'value="45, 30, 15"' in text
    assert 'href="/admin/reminders"' in text, "in the menu"
    answer = await as_admin.post(
        "/admin/reminders/insurance", _form(ReminderType.INSURANCE, lead_days="60, 20", enabled="")
    )
    assert answer.status == 303 and answer.headers["Location"].startswith("/admin/reminders?saved=insurance")
    stored = await _stored(site, ReminderType.INSURANCE)
    assert stored["lead_days"] == [60, 20] and stored["enabled"] is False
    text = await (await as_admin.get("/admin/reminders?saved=insurance")).text()
    assert 'value="60, 20"' in text
    audit = await as_admin.get("/admin/audit")
    assert audit.status == 200 and "Reminder settings changed" in await audit.text()
    assert "Lead days" in await audit.text(), "the changed keys by their labels"
    holidays = _form(ReminderType.HOLIDAY, holidays="中秋 lunar 8-15\n国庆 solar 10-1", enabled="on")
    assert (await as_admin.post("/admin/reminders/holiday", holidays)).status == 303
    assert (await _stored(site, ReminderType.HOLIDAY))["holidays"] == [
        {"name": "中秋", "calendar": "lunar", "month": 8, "day": 15},
        {"name": "国庆", "calendar": "solar", "month": 10, "day": 1},
    ]


async def test_a_bad_form_is_shown_again_naming_the_field_in_words(as_admin: Browser, site: Site) -> None:
    await as_admin.get("/admin/reminders")
    answer = await as_admin.post(
        "/admin/reminders/insurance", _form(ReminderType.INSURANCE, lead_days="45, x")
    )
    assert answer.status == 422
    text = await answer.text()
    error = re.search(r'id="form-error">([^<]*)<', text)
    assert error is not None and error.group(1).startswith("Lead days must be a whole number"), error
    assert 'value="45, x"' in text, "what was typed is kept"
    assert re.search(r'name="lead_days" value="45, x"[^>]*aria-invalid="true"', text)
    assert await _stored(site, ReminderType.INSURANCE) == settings_to_json(
        DEFAULT_SETTINGS[ReminderType.INSURANCE]
    )
    await as_admin.post("/language", {"locale": "zh_CN", "next": "/admin/reminders"})
    answer = await as_admin.post(
        "/admin/reminders/maintenance", _form(ReminderType.MAINTENANCE, interval_km="五千")
    )
    text = await answer.text()
    assert answer.status == 422 and "保养间隔（公里）" in text and "interval_km 必须" not in text


async def test_the_page_keeps_the_rule_table(as_admin: Browser, site: Site) -> None:
    page = await (await as_admin.get("/admin/reminders")).text()
    assert 'name="rules-6-every_months" value="6"' in page and 'name="rules-7-from_month" value=""' in page
    rows = forms.rules_texts(DEFAULT_INSPECTION_RULES[:2], blank_rows=1)
    form = {f"rules-{i}-{k}": v for i, row in enumerate(rows) for k, v in row.items()}
    assert (await as_admin.post("/admin/reminders/inspection-rules", form)).status == 303
    async with site.services.db.connect() as conn:
        assert await settings_store.inspection_rules(conn) == DEFAULT_INSPECTION_RULES[:2]
    answer = await as_admin.post("/admin/reminders/inspection-rules", {**form, "rules-1-every_months": "0"})
    assert answer.status == 422 and "Row 2: Every (months)" in await answer.text()
    restored = await as_admin.post("/admin/reminders/inspection-rules", {"defaults": "1"})
    assert restored.status == 303
    async with site.services.db.connect() as conn:
        assert await settings_store.inspection_rules(conn) == DEFAULT_INSPECTION_RULES


async def test_the_page_needs_its_csrf_token_and_an_admin(
    as_admin: Browser, as_operator: Browser, site: Site
) -> None:
    form = _form(ReminderType.BIRTHDAY, enabled="")
    assert (await as_admin.post("/admin/reminders/birthday", form, csrf=False)).status == 403
    assert (await as_operator.get("/admin/reminders")).status == 403
    assert (await as_operator.post("/admin/reminders/birthday", form)).status == 403
    assert (await _stored(site, ReminderType.BIRTHDAY))["enabled"] is True
