"""Admin pages: branches and users through the forms, and the audit log that records who did it."""

from __future__ import annotations

import re
from typing import Any

from ctid.accounts.models import Role, User
from ctid.audit.models import AuditFilter
from ctid.core.paging import PageRequest
from tests.support.site import PASSWORD, Site
from tests.web.support import Browser

GENERATED = re.compile(r'<code class="secret" id="generated-password">([^<]+)</code>')


async def create_branch(browser: Browser, code: str = "east", name: str = "东区店") -> None:
    response = await browser.post("/admin/branches/new", {"code": code, "name": name, "active": "on"})
    assert response.status == 303
    assert response.headers["Location"] == "/admin/branches"


async def test_admin_creates_a_branch(as_admin: Browser, site: Site) -> None:
    await create_branch(as_admin)
    page = await as_admin.get("/admin/branches")
    assert "东区店" in await page.text()
    [east] = [b for b in await site.accounts.branches.list_branches() if b.code == "east"]
    assert east.active and east.name == "东区店"


async def test_admin_creates_an_operator_and_the_audit_log_says_who(
    as_admin: Browser, site: Site, boss: User, new_browser: Any
) -> None:
    await create_branch(as_admin)
    east = next(b for b in await site.accounts.branches.list_branches() if b.code == "east")
    form = {
        "username": "olga",
        "display_name": "Olga Ivanova",
        "role": "operator",
        "branch_id": str(east.id),
        "password": "",
        "must_change_password": "on",
    }
    created = await as_admin.post("/admin/users/new", form)
    assert created.status == 200
    found = GENERATED.search(await created.text())
    assert found, "a generated one-time password is shown once"
    olga = await site.accounts.users.user_by_name("olga")
    assert (olga.role, olga.branch_id, olga.must_change_password) == (Role.OPERATOR, east.id, True)

    # the audit log, as a page and as JSON: the creation, by whom, from where, with what
    page = await as_admin.get("/admin/audit?action=user.create")
    text = await page.text()
    assert page.status == 200
    row = next(r for r in text.split("<tr>") if "olga" in r and "user.create" in r)
    assert '<td title="boss" data-label="Who">Boss</td>' in row, "who, by display name"
    assert found.group(1) not in text, "the password must never reach the audit log"
    entries = (
        await site.services.audit.search(AuditFilter(action="user.create", entity_id=str(olga.id)))
    ).items
    [entry] = entries
    assert (entry.actor_id, entry.actor_name, entry.entity_type) == (boss.id, "boss", "user")
    assert entry.address == "127.0.0.1"
    assert entry.after is not None and entry.after["username"] == "olga" and entry.after["role"] == "operator"
    assert "password" not in str(entry.after).lower()

    # the new operator can log in with the generated password (and is sent to change it)
    desk = await new_browser()
    assert (await desk.login("olga", found.group(1))).status == 303
    assert (await desk.get("/")).headers["Location"] == "/account/password"


async def test_audit_api_shows_the_creation_too(as_admin: Browser, site: Site, boss: User) -> None:
    await as_admin.post(
        "/admin/users/new",
        {"username": "petr", "role": "supervisor", "branch_id": "1", "password": PASSWORD},
    )
    response = await as_admin.client.get("/api/v1/audit", params={"action": "user.create", "actor": "boss"})
    assert response.status == 200
    body = await response.json()
    assert [(e["actor_name"], e["after"]["username"]) for e in body["items"]] == [("boss", "petr")]
    assert body["items"][0]["at"].endswith("+00:00")


async def test_a_bad_user_form_is_shown_again_with_the_error(as_admin: Browser, site: Site) -> None:
    form = {"username": "x", "role": "operator", "branch_id": "1", "password": PASSWORD}
    response = await as_admin.post("/admin/users/new", form)
    assert response.status == 422
    text = await response.text()
    assert 'role="alert"' in text
    assert 'name="username" required maxlength="64" value="x"' in text
    taken = await as_admin.post("/admin/users/new", {**form, "username": "BOSS"})
    assert taken.status == 422
    assert "BOSS" in await taken.text()
    bad_role = await as_admin.post("/admin/users/new", {**form, "username": "okname", "role": "god"})
    assert bad_role.status == 422
    assert [u.username for u in (await site.accounts.users.list_users(PageRequest())).items] == [
        "admin",
        "boss",
    ]


async def test_a_bad_branch_form_is_shown_again(as_admin: Browser) -> None:
    response = await as_admin.post("/admin/branches/new", {"code": "no spaces", "name": "X"})
    assert response.status == 422
    duplicate = await as_admin.post("/admin/branches/new", {"code": "main", "name": "Again"})
    assert duplicate.status == 422


async def test_admin_edits_a_user_and_the_change_is_audited(
    as_admin: Browser, site: Site, operator: User, boss: User
) -> None:
    form = {"display_name": "Olga I.", "role": "supervisor", "branch_id": "1", "active": "on"}
    assert (await as_admin.get(f"/admin/users/{operator.id}")).status == 200
    response = await as_admin.post(f"/admin/users/{operator.id}", form)
    assert response.status == 303
    updated = await site.accounts.users.get_user(operator.id)
    assert (updated.display_name, updated.role) == ("Olga I.", Role.SUPERVISOR)
    [entry] = (await site.services.audit.search(AuditFilter(action="user.update"))).items
    assert entry.actor_name == "boss"
    assert entry.before == {"display_name": "Olga", "role": "operator"}
    assert entry.after == {"display_name": "Olga I.", "role": "supervisor"}


async def test_admin_cannot_demote_themself(as_admin: Browser, boss: User, site: Site) -> None:
    form = {"display_name": "Boss", "role": "operator", "branch_id": "1", "active": "on"}
    response = await as_admin.post(f"/admin/users/{boss.id}", form)
    assert response.status == 422
    assert (await site.accounts.users.get_user(boss.id)).role is Role.ADMIN


async def test_unknown_user_and_branch_pages_are_404(as_admin: Browser) -> None:
    for path in ("/admin/users/999", "/admin/branches/999"):
        response = await as_admin.get(path)
        assert response.status == 404, path
        assert response.content_type == "text/html"


async def test_users_page_filters_and_pages(as_admin: Browser, site: Site) -> None:
    for number in range(3):
        await site.user(f"op{number}")
    page = await as_admin.get("/admin/users?role=operator&per_page=2")
    text = await page.text()
    assert page.status == 200
    assert "op0" in text and "op1" in text and "op2" not in text
    assert "page=2" in text
    assert "role=operator" in text.split('class="pager"')[1]
    second = await as_admin.get("/admin/users?role=operator&per_page=2&page=2")
    assert "op2" in await second.text()
    assert (await as_admin.get("/admin/users?page=abc")).status == 422


async def test_html_in_user_data_is_escaped(as_admin: Browser, site: Site) -> None:
    await site.branch("xss", "<script>alert(1)</script>")
    text = await (await as_admin.get("/admin/branches")).text()
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
