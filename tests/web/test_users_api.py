"""``PATCH /api/v1/users/{id}``: what the admin page changes (role, branch, state, name, the lines), for
programs: checked like the other JSON APIs (an unknown field refused by name), admins only, CSRF for a
browser, audited, and one code path with the page (ctid.screenpop.console.Console.change_user)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from ctid.accounts.models import Role, User
from ctid.audit.models import AuditFilter
from ctid.core.config import Config, parse
from tests.support.site import TEST_ACTOR, Site
from tests.web.support import Browser

LINES = [
    {"name": "front", "driver": "sim"},
    {"name": "back", "driver": "sim"},
    {"name": "east-1", "driver": "sim", "branch": "east"},
]


@pytest.fixture
def config(config: Config) -> Config:
    """The web tests' config (each backend in turn) with these lines."""
    return replace(config, lines=parse({"lines": LINES}, "test").lines)


class Api:
    def __init__(self, anon: Browser, secret: str) -> None:
        self.anon, self.headers = anon, {"Authorization": f"Bearer {secret}"}

    async def patch(self, user_id: int, body: Any) -> tuple[int, Any]:
        response = await self.anon.client.patch(f"/api/v1/users/{user_id}", json=body, headers=self.headers)
        return response.status, await response.json()


@pytest.fixture
async def east(site: Site) -> int:
    return await site.branch("east", "东区店")


@pytest.fixture
async def olga(site: Site, east: int) -> User:
    user = await site.user("olga", Role.OPERATOR)
    await site.accounts.bindings.bind_lines(TEST_ACTOR, user.id, ["front"], {"front"})
    return user


@pytest.fixture
async def boss(site: Site, anon: Browser) -> Api:
    return Api(anon, (await site.token(await site.user("boss", Role.ADMIN)))[0])


async def test_an_admin_changes_a_user_and_it_is_audited(
    site: Site, boss: Api, olga: User, east: int
) -> None:
    body = {"role": "supervisor", "branch_id": east, "display_name": "奥尔加", "lines": ["east-1"]}
    status, answer = await boss.patch(olga.id, body)
    assert status == 200, answer
    user = answer["user"]
    assert (user["role"], user["branch_id"], user["display_name"], user["active"]) == (
        "supervisor",
        east,
        "奥尔加",
        True,
    )
    assert answer["lines"] == ["east-1"] == await site.accounts.bindings.bound_lines(olga.id)
    [update] = (
        await site.services.audit.search(
            AuditFilter(actor="boss", action="user.update", entity_id=str(olga.id))
        )
    ).items
    assert update.actor_name == "boss"
    assert update.after == {"role": "supervisor", "branch_id": east, "display_name": "奥尔加"}
    [lines] = (
        await site.services.audit.search(
            AuditFilter(actor="boss", action="user.lines", entity_id=str(olga.id))
        )
    ).items
    assert (lines.before, lines.after) == ({"lines": ["front"]}, {"lines": ["east-1"]})
    status, answer = await boss.patch(olga.id, {"active": False})
    assert (status, answer["user"]["active"]) == (200, False)
    status, answer = await boss.patch(olga.id, {})
    assert (status, answer["user"]["role"]) == (200, "supervisor"), "nothing sent, nothing changed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"password": "hunter2hunter2"}, "password"),
        ({"username": "olga2"}, "username"),
        ({"role": "king"}, "role"),
        ({"role": None}, "role"),
        ({"branch_id": 999}, "branch_id"),
        ({"branch_id": "east"}, "branch_id"),
        ({"branch_id": 2**31}, "branch_id"),  # no PostgreSQL integer: asyncpg could not bind it (a 500)
        ({"active": None}, "active"),
        ({"active": "maybe"}, "active"),
        ({"lines": "front"}, "lines"),
        ({"lines": ["east-1"]}, "lines"),  # a line of another branch than hers
        ({"lines": ["nowhere"]}, "lines"),
        ({"display_name": ["x"]}, "display_name"),
    ],
)
async def test_bad_changes_are_refused_by_field_and_change_nothing(
    site: Site, boss: Api, olga: User, body: dict[str, Any], field: str
) -> None:
    status, answer = await boss.patch(olga.id, {"role": "supervisor", **body} if field == "lines" else body)
    assert (status, answer["error"]["field"]) == (422, field), answer
    after = await site.accounts.users.get_user(olga.id)
    assert (after.role, after.branch_id, after.active) == (olga.role, olga.branch_id, True)
    assert await site.accounts.bindings.bound_lines(olga.id) == ["front"]


async def test_only_admins_may_and_a_browser_needs_the_csrf_header(
    site: Site, anon: Browser, boss: Api, olga: User
) -> None:
    sam = Api(anon, (await site.token(await site.user("sam", Role.SUPERVISOR)))[0])
    assert (await sam.patch(olga.id, {"role": "admin"}))[0] == 403
    assert (await Api(anon, (await site.token(olga))[0]).patch(olga.id, {"role": "admin"}))[0] == 403
    assert (await anon.client.patch(f"/api/v1/users/{olga.id}", json={"role": "admin"})).status == 401
    assert (await boss.patch(99999, {"role": "admin"}))[0] == 404
    assert (await site.accounts.users.get_user(olga.id)).role == Role.OPERATOR
    assert (await anon.login("boss")).status == 303
    forged = await anon.client.patch(f"/api/v1/users/{olga.id}", json={"role": "supervisor"})
    assert (forged.status, (await forged.json())["error"]["code"]) == (403, "csrf")
    await anon.get("/account/tokens")
    headers = {"X-CSRF-Token": anon.token}
    sent = await anon.client.patch(f"/api/v1/users/{olga.id}", json={"role": "supervisor"}, headers=headers)
    assert sent.status == 200


async def test_an_admin_cannot_demote_or_deactivate_himself(site: Site, boss: Api) -> None:
    me = await site.accounts.users.user_by_name("boss")
    for body in ({"role": "operator"}, {"active": False}):
        status, answer = await boss.patch(me.id, body)
        assert (status, answer["error"]["field"]) == (422, "role"), body
