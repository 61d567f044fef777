"""Branch walls over HTTP: the call log, the lines, the recordings' links and the customer card's recent calls
show each user their own branch's (admins every branch, or one with ``?branch=``), as the CRM does.

Two branches: main (lines front, back) and east (line east-1); one caller who phones both shops, one who
phones only east, and a call on a line no longer in the config (no branch: admins only). Each endpoint is
asked by an operator and a supervisor of each branch and by an admin.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import pytest

from ctid.accounts.models import Role
from ctid.audit.models import Actor
from ctid.core.config import Config, parse
from ctid.crm.new_customer import NewCustomer
from ctid.voicecard.callerid import CallerId
from ctid.voicecard.events import CallEnded, CallIdentified, CallRinging
from tests.support.site import TEST_ACTOR, Site
from tests.web.recordings_support import T0, add_recording
from tests.web.support import Browser, BrowserFactory

LINES = [
    {"name": "front", "label": "前台", "driver": "sim"},
    {"name": "back", "label": "售后", "driver": "sim"},
    {"name": "east-1", "label": "东区", "driver": "sim", "branch": "east"},
]
BOTH = "13800138000"  # phones both shops
EAST_ONLY = "13900001111"
GONE = "13700002222"  # called on a line since removed from the config


@pytest.fixture
def config(config: Config) -> Config:
    """The web tests' config (each backend in turn) with these lines."""
    return replace(config, lines=parse({"lines": LINES}, "test").lines)


class Api:
    """One user's Bearer-token client."""

    def __init__(self, anon: Browser, secret: str) -> None:
        self.client, self.headers = anon.client, {"Authorization": f"Bearer {secret}"}

    async def get(self, path: str) -> Any:
        response = await self.client.get(path, headers=self.headers)
        assert response.status == 200, (path, await response.text())
        return await response.json()


@dataclass
class World:
    apis: dict[str, Api]
    zhang: int  # main's customer with BOTH
    wang: int  # east's customer with BOTH
    recordings: dict[str, int]  # call id -> its recording


async def _call(site: Site, call_id: str, line: str, number: str, minutes: int) -> None:
    at = T0 + timedelta(minutes=minutes)
    calls = site.services.calls
    await calls.record(CallRinging(line=line, at=at, call_id=call_id, ring_count=1, tag=None))
    caller = CallerId(number=number)
    await calls.record(CallIdentified(line=line, at=at, call_id=call_id, caller_id=caller, ring_tag=None))
    ended = CallEnded(
        line=line, at=at + timedelta(seconds=30), call_id=call_id, direction="inbound",
        outcome="answered", reason="hangup", rings=1, duration_s=30.0, talk_s=25.0,
    )  # fmt: skip
    await calls.record(ended)


@pytest.fixture
async def world(site: Site, anon: Browser) -> World:
    east = await site.branch("east", "东区店")
    main = (await site.accounts.branches.default_branch()).id
    users = {
        "olga": await site.user("olga", Role.OPERATOR),
        "sam": await site.user("sam", Role.SUPERVISOR),
        "erin": await site.user("erin", Role.OPERATOR, branch_id=east),
        "eve": await site.user("eve", Role.SUPERVISOR, branch_id=east),
        "boss": await site.user("boss", Role.ADMIN),
    }
    crm = site.services.crm
    zhang = await crm.create_customer(TEST_ACTOR, NewCustomer("张伟", "person", main, [BOTH]))
    wang = await crm.create_customer(TEST_ACTOR, NewCustomer("王芳", "person", east, [BOTH]))
    await _call(site, "a1", "front", BOTH, 0)
    await _call(site, "e1", "east-1", BOTH, 1)
    await _call(site, "e2", "east-1", EAST_ONLY, 2)
    await _call(site, "f1", "gone", GONE, 3)
    await site.services.calls.link_customer(Actor.of(users["olga"]), "a1", zhang.id)
    await site.services.calls.link_customer(Actor.of(users["erin"]), "e1", wang.id)
    db, root = site.services.db, site.services.recordings.root
    olga, erin = users["olga"].id, users["erin"].id
    recordings = {
        "a1": await add_recording(db, root, call_id="a1", line="front", branch_id=main, operator_id=olga),
        "e1": await add_recording(db, root, call_id="e1", line="east-1", branch_id=east, operator_id=erin),
        "f1": await add_recording(db, root, call_id="f1", line="gone", branch_id=None),
    }
    apis = {name: Api(anon, (await site.token(user))[0]) for name, user in users.items()}
    return World(apis, zhang.id, wang.id, recordings)


async def test_the_call_log_api_shows_each_user_their_branchs_calls(world: World) -> None:
    async def ids(name: str, query: str = "") -> list[str]:
        return [c["id"] for c in (await world.apis[name].get("/api/v1/calls" + query))["items"]]

    assert await ids("olga") == await ids("sam") == ["a1"]
    assert await ids("erin") == await ids("eve") == ["e2", "e1"]
    assert await ids("boss") == ["f1", "e2", "e1", "a1"], "admins: every branch, and calls of no branch"
    east = (await world.apis["boss"].get("/api/v1/branches"))["items"]
    east_id = next(b["id"] for b in east if b["code"] == "east")
    assert await ids("boss", f"?branch={east_id}") == ["e2", "e1"]
    assert await ids("olga", f"?branch={east_id}") == [], "another branch's filter finds nothing"
    assert await ids("erin", "?line=front") == []
    assert await ids("erin", f"?number={BOTH[-4:]}") == ["e1"]


async def test_the_call_log_page_shows_each_user_their_branchs_calls(
    world: World, new_browser: BrowserFactory
) -> None:
    async def page(name: str, query: str = "") -> str:
        browser = await new_browser()
        assert (await browser.login(name)).status == 303
        response = await browser.get("/calls" + query)
        assert response.status == 200
        return await response.text()

    erin = await page("erin")
    assert EAST_ONLY in erin and "王芳" in erin and 'name="branch"' not in erin
    assert GONE not in erin and "张伟" not in erin
    sam = await page("sam")
    assert (
        "张伟" in sam and EAST_ONLY not in sam and GONE not in sam and "王芳" not in sam and "东区" not in sam
    )
    boss = await page("boss")
    assert all(n in boss for n in (EAST_ONLY, GONE, "张伟", "王芳")) and 'name="branch"' in boss


async def test_the_lines_api_and_page_show_each_user_their_branchs_lines(
    world: World, new_browser: BrowserFactory
) -> None:
    async def names(name: str, query: str = "") -> list[str]:
        return [line["name"] for line in (await world.apis[name].get("/api/v1/lines" + query))["items"]]

    assert await names("olga") == await names("sam") == ["front", "back"]
    assert await names("erin") == await names("eve") == ["east-1"]
    assert await names("boss") == ["front", "back", "east-1"]
    branches = (await world.apis["boss"].get("/api/v1/branches"))["items"]
    east_id = next(b["id"] for b in branches if b["code"] == "east")
    assert await names("boss", f"?branch={east_id}") == ["east-1"]
    assert await names("sam", f"?branch={east_id}") == []
    browser = await new_browser()
    await browser.login("erin")
    page = await (await browser.get("/lines")).text()
    assert "东区" in page and "前台" not in page and "售后" not in page


async def test_recording_links_are_the_users_branchs(world: World) -> None:
    async def links(name: str) -> dict[str, int]:
        found = await world.apis[name].get("/api/v1/recordings/links?call=a1&call=e1&call=f1")
        return dict(found["links"])

    r = world.recordings
    assert await links("sam") == await links("olga") == {"a1": r["a1"]}
    assert await links("eve") == await links("erin") == {"e1": r["e1"]}
    assert await links("boss") == r, "admins: every branch, and recordings of no branch"


async def test_the_customer_cards_recent_calls_are_its_branchs(world: World) -> None:
    async def recent(name: str, customer: int) -> list[str]:
        card = await world.apis[name].get(f"/api/v1/customers/{customer}")
        return [c["id"] for c in card["recent_calls"]]

    assert await recent("olga", world.zhang) == await recent("sam", world.zhang) == ["a1"]
    assert await recent("erin", world.wang) == await recent("eve", world.wang) == ["e1"]
    assert await recent("boss", world.zhang) == ["a1"], "the card's branch's calls, whoever reads it"
    assert await recent("boss", world.wang) == ["e1"]


async def test_a_customers_calls_in_the_call_log_are_its_own(world: World, anon: Browser) -> None:
    """?customer=: the calls linked to it, or with its number and linked to no one; not a call from the same
    number linked to another branch's customer, whoever reads; another branch's customer is 404."""

    async def ids(name: str, customer: int) -> list[str]:
        return [c["id"] for c in (await world.apis[name].get(f"/api/v1/calls?customer={customer}"))["items"]]

    assert await ids("olga", world.zhang) == await ids("boss", world.zhang) == ["a1"]
    assert await ids("erin", world.wang) == await ids("boss", world.wang) == ["e1"]
    olga = world.apis["olga"].headers
    assert (await anon.client.get(f"/api/v1/calls?customer={world.wang}", headers=olga)).status == 404


async def test_a_recording_of_no_branch_is_an_admins(world: World, anon: Browser) -> None:
    """Before, a recording stored with no branch (its line named no branch) could be played by id by any
    branch's supervisor, and its access-log rows were nobody's to see."""
    orphan = world.recordings["f1"]
    for name in ("sam", "eve"):
        response = await anon.client.get(f"/api/v1/recordings/{orphan}", headers=world.apis[name].headers)
        assert response.status == 404, name
        audio = await anon.client.get(f"/recordings/{orphan}/audio", headers=world.apis[name].headers)
        assert audio.status == 404, name
    boss = world.apis["boss"]
    assert (await boss.get(f"/api/v1/recordings/{orphan}"))["recording"]["branch_id"] is None
    played = await anon.client.get(f"/recordings/{orphan}/audio", headers=boss.headers)
    assert played.status == 200
    await played.read()
    log = await boss.get(f"/api/v1/recordings/access?recording={orphan}")
    assert [(e["user_name"], e["action"]) for e in log["items"]] == [("boss", "play")]
    listed = await boss.get("/api/v1/recordings")
    assert {r["id"] for r in listed["items"]} == set(world.recordings.values())
    assert [r["id"] for r in (await world.apis["sam"].get("/api/v1/recordings"))["items"]] == [
        world.recordings["a1"]
    ]


@pytest.mark.parametrize("path", ["/api/v1/calls", "/api/v1/lines"])
async def test_a_branch_filter_past_the_largest_id_is_refused_by_name(
    site: Site, anon: Browser, path: str
) -> None:
    """As every id in a path, query or body (forms.MAX_ID, PostgreSQL's integer): before, these two took
    up to 2**31 and answered an empty list."""
    secret = (await site.token(await site.user("boss", Role.ADMIN)))[0]
    response = await anon.client.get(f"{path}?branch={2**31}", headers={"Authorization": f"Bearer {secret}"})
    assert (response.status, (await response.json())["error"]["field"]) == (422, "branch")
