"""/api/v1/recordings with Bearer tokens: the pages' filters and scoping, notes and tags, the access log."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from ctid.accounts.models import User
from tests.support.site import Site
from tests.web.recordings_support import Shelf, build_shelf
from tests.web.support import Browser


@pytest.fixture
async def shelf(site: Site, operator: User) -> Shelf:
    return await build_shelf(site, operator)


class Api:
    def __init__(self, client: TestClient[Any, Any], token: str) -> None:
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    async def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = await self.client.request(method, path, json=body, headers=self.headers)
        return response.status, await response.json()


@pytest.fixture
async def apis(site: Site, shelf: Shelf, anon: Browser) -> tuple[Api, Api]:
    """(the supervisor's, the operator's)"""
    sue, _ = await site.token(shelf.sue)
    olga, _ = await site.token(shelf.olga)
    return Api(anon.client, sue), Api(anon.client, olga)


async def test_list_filters_and_item_shape(apis: tuple[Api, Api], shelf: Shelf) -> None:
    sue, olga = apis
    status, body = await sue("GET", "/api/v1/recordings?per_page=2")
    assert status == 200 and (body["total"], body["pages"], body["page"]) == (4, 2, 1)
    assert [i["id"] for i in body["items"]] == [shelf.busy, shelf.c]
    status, body = await sue("GET", "/api/v1/recordings?number=139&match=begins&notes=true&tag=投诉")
    (item,) = body["items"]
    assert item["id"] == shelf.a and item["tags"] == ["投诉"] and item["note"] == "客户投诉刹车异响"
    assert (item["customer_name"], item["operator_name"], item["format"]) == ("李建国", "Olga", "opus")
    assert (item["media_type"], item["playable"], item["duration_s"]) == ("audio/ogg", True, 6.0)
    assert item["audio_url"] == f"/recordings/{shelf.a}/audio" and item["started_at"].startswith(
        "2026-03-22T06:00"
    )
    assert "path" not in item and len(item["sha256"]) == 64
    status, body = await olga("GET", f"/api/v1/recordings?operator={shelf.oleg.id}")
    assert [i["id"] for i in body["items"]] == [shelf.busy, shelf.c, shelf.a], "her own, whatever she asks"
    status, body = await sue("GET", "/api/v1/recordings?direction=up")
    assert status == 422 and body["error"]["field"] == "direction"


async def test_one_recording_and_who_may_read_it(apis: tuple[Api, Api], shelf: Shelf) -> None:
    sue, olga = apis
    status, body = await sue("GET", f"/api/v1/recordings/{shelf.b}")
    assert status == 200 and body["recording"]["number"] == "02168881234"
    status, body = await olga("GET", f"/api/v1/recordings/{shelf.b}")
    assert status == 403 and body["error"]["code"] == "forbidden"
    assert (await sue("GET", f"/api/v1/recordings/{shelf.elsewhere}"))[0] == 404
    assert (await sue("GET", "/api/v1/recordings/99999"))[0] == 404


async def test_notes_and_tags(apis: tuple[Api, Api], site: Site, shelf: Shelf) -> None:
    sue, olga = apis
    status, body = await sue("PUT", f"/api/v1/recordings/{shelf.b}/note", {"note": "  回电确认\n周二  "})
    assert status == 200 and body["recording"]["note"] == "回电确认\n周二"
    status, body = await sue("PUT", f"/api/v1/recordings/{shelf.b}/tags", {"tags": ["VIP", "回访", "vip"]})
    assert status == 200 and body["recording"]["tags"] == ["vip", "回访"]
    stored = await site.services.recordings.get(shelf.sue, shelf.b)
    assert (stored.note, stored.tags) == ("回电确认\n周二", ",vip,回访,")
    status, body = await sue("PUT", f"/api/v1/recordings/{shelf.b}/tags", {"tags": ["a,b"]})
    assert status == 422 and body["error"]["field"] == "tags"
    status, body = await sue("PUT", f"/api/v1/recordings/{shelf.b}/note", {"note": "x" * 2001})
    assert status == 422 and body["error"]["field"] == "note"
    assert (await olga("PUT", f"/api/v1/recordings/{shelf.b}/note", {"note": "mine?"}))[0] == 403
    assert (await olga("PUT", f"/api/v1/recordings/{shelf.a}/note", {"note": "回过电话"}))[0] == 200


async def test_the_access_log(apis: tuple[Api, Api], anon: Browser, shelf: Shelf) -> None:
    sue, olga = apis
    for _ in range(3):
        response = await anon.client.get(f"/recordings/{shelf.c}/audio", headers=olga.headers)
        assert response.status == 200
    await anon.client.get(f"/recordings/{shelf.c}/download", headers=sue.headers)
    status, body = await sue("GET", f"/api/v1/recordings/access?recording={shelf.c}")
    assert status == 200 and [(e["user_name"], e["action"]) for e in body["items"]] == [
        ("sue", "download"),
        ("olga", "play"),
    ]
    assert set(body["items"][0]) == {
        "id",
        "recording_id",
        "user_id",
        "user_name",
        "action",
        "at",
        "address",
        "user_agent",
    }
    status, body = await sue("GET", "/api/v1/recordings/access?action=play&user=olga")
    assert [e["recording_id"] for e in body["items"]] == [shelf.c]
    status, body = await olga("GET", "/api/v1/recordings/access")
    assert status == 403
    status, body = await sue("GET", "/api/v1/recordings/access?action=listen")
    assert status == 422 and body["error"]["field"] == "action"


async def test_links_are_bounded(apis: tuple[Api, Api]) -> None:
    sue, _olga = apis
    many = "&".join(f"call=c{i}" for i in range(201))
    status, body = await sue("GET", f"/api/v1/recordings/links?{many}")
    assert status == 422 and body["error"]["field"] == "call"
    status, body = await sue("GET", "/api/v1/recordings/links?call=not%20hex!")
    assert status == 422
    assert await sue("GET", "/api/v1/recordings/links") == (200, {"links": {}})


async def test_a_browser_needs_the_csrf_header_to_change_a_recording(
    as_operator: Browser, shelf: Shelf
) -> None:
    path = f"/api/v1/recordings/{shelf.a}/note"
    assert (await as_operator.client.put(path, json={"note": "x"})).status == 403
    await as_operator.get("/recordings")
    headers = {"X-CSRF-Token": as_operator.token}
    assert (await as_operator.client.put(path, json={"note": "x"}, headers=headers)).status == 200
