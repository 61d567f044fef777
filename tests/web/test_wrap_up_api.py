"""The wrap-up results' list (/api/v1/wrap-up-codes and /admin/wrap-up): read by everyone who handles calls,
kept by admins only (add, rename, reorder, retire: never deleted), audited; the recordings filter by their
call's result (?result=) and show it."""

from __future__ import annotations

from typing import Any

from ctid.audit.models import AuditFilter
from ctid.calls import store as calls_store
from tests.support.site import Site
from tests.web.recordings_support import add_recording
from tests.web.support import Api, Browser

# revision 0018's list, in its order
SEEDED = ["enquiry", "appointment", "complaint", "follow_up_done", "no_answer", "wrong_number", "other"]


def _codes(body: Any) -> list[str]:
    return [item["code"] for item in body["items"]]


async def test_everyone_reads_the_seeded_list_in_its_order(people: dict[str, Api]) -> None:
    for name in ("olga", "sam", "erin", "boss"):
        status, body = await people[name]("GET", "/api/v1/wrap-up-codes")
        assert status == 200 and _codes(body) == SEEDED, name
    first = body["items"][0]
    assert first == {"id": first["id"], "code": "enquiry", "label": "咨询", "position": 10, "active": True}


async def test_only_admins_change_the_list(people: dict[str, Api], site: Site) -> None:
    _, body = await people["olga"]("GET", "/api/v1/wrap-up-codes")
    enquiry = body["items"][0]["id"]
    for name in ("olga", "sam", "erin"):
        status, answer = await people[name]("POST", "/api/v1/wrap-up-codes", {"code": "x", "label": "x"})
        assert (status, answer["error"]["code"]) == (403, "forbidden"), name
        status, _ = await people[name]("PATCH", f"/api/v1/wrap-up-codes/{enquiry}", {"label": "问"})
        assert status == 403, name
    _, after = await people["boss"]("GET", "/api/v1/wrap-up-codes")
    assert len(after["items"]) == len(SEEDED) and after["items"][0]["label"] == "咨询"


async def test_an_admin_adds_renames_reorders_and_retires(people: dict[str, Api], site: Site) -> None:
    boss = people["boss"]
    status, made = await boss("POST", "/api/v1/wrap-up-codes", {"code": "test_drive", "label": "预约试驾"})
    assert status == 201 and (made["code"], made["label"], made["active"]) == ("test_drive", "预约试驾", True)
    path = f"/api/v1/wrap-up-codes/{made['id']}"
    status, moved = await boss("PATCH", path, {"label": "试驾", "position": 1})
    assert status == 200 and (moved["code"], moved["label"], moved["position"]) == ("test_drive", "试驾", 1)
    _, listed = await boss("GET", "/api/v1/wrap-up-codes")
    assert _codes(listed)[0] == "test_drive"
    status, retired = await boss("PATCH", path, {"active": False})
    assert status == 200 and retired["active"] is False
    _, active = await boss("GET", "/api/v1/wrap-up-codes?active=true")
    assert "test_drive" not in _codes(active)
    _, every = await boss("GET", "/api/v1/wrap-up-codes")
    assert "test_drive" in _codes(every), "retired, never deleted"
    entries = (await site.services.audit.search(AuditFilter(entity_type="wrap_up_code"))).items
    assert sorted(e.action for e in entries) == [
        "wrap_up_code.create",
        "wrap_up_code.update",
        "wrap_up_code.update",
    ]
    assert {str(e.entity_id) for e in entries} == {str(made["id"])}


async def test_a_taken_code_or_label_and_bad_fields_are_refused_by_name(people: dict[str, Api]) -> None:
    boss = people["boss"]
    _, body = await boss("GET", "/api/v1/wrap-up-codes")
    enquiry = body["items"][0]["id"]
    for method, path, sent, status, field in [
        ("POST", "", {"code": "enquiry", "label": "新的"}, 409, "code"),
        ("POST", "", {"code": "fresh", "label": "咨询"}, 409, "label"),
        ("POST", "", {"code": "Fresh Code", "label": "新"}, 422, "code"),
        ("POST", "", {"label": "新"}, 422, "code"),
        ("POST", "", {"code": "fresh"}, 422, "label"),
        ("POST", "", {"code": "fresh", "label": "长" * 65}, 422, "label"),
        ("POST", "", {"code": "fresh", "label": "新", "colour": "red"}, 422, "colour"),
        ("PATCH", f"/{enquiry}", {"label": "预约"}, 409, "label"),
        ("PATCH", f"/{enquiry}", {"code": "other"}, 422, "code"),
        ("PATCH", f"/{enquiry}", {"label": " "}, 422, "label"),
        ("PATCH", f"/{enquiry}", {"active": None}, 422, "active"),
        ("PATCH", f"/{enquiry}", {"position": -1}, 422, "position"),
    ]:
        status_, answer = await boss(method, f"/api/v1/wrap-up-codes{path}", sent)
        assert (status_, answer["error"].get("field")) == (status, field), (sent, answer)
    status, _ = await boss("PATCH", "/api/v1/wrap-up-codes/99999", {"label": "x"})
    assert status == 404


async def test_recordings_filter_by_their_calls_result(site: Site, people: dict[str, Api]) -> None:
    services = site.services
    branch = (await site.accounts.branches.default_branch()).id
    recorded = {}
    for call_id, result in (("r1", "complaint"), ("r2", "enquiry"), ("r3", None)):
        recorded[call_id] = await add_recording(
            services.db, services.recordings.root, call_id=call_id, branch_id=branch, call_note=""
        )
        async with services.db.begin() as conn:
            await calls_store.update_call(conn, call_id, {"result": result})
    status, body = await people["sam"]("GET", "/api/v1/recordings?result=complaint")
    assert status == 200 and [i["id"] for i in body["items"]] == [recorded["r1"]]
    assert body["items"][0]["call_result"] == "complaint"
    status, body = await people["sam"]("GET", "/api/v1/recordings?result=appointment")
    assert status == 200 and body["items"] == []
    status, body = await people["erin"]("GET", "/api/v1/recordings?result=complaint")
    assert status == 200 and body["items"] == [], "another branch's recordings"
    status, body = await people["sam"]("GET", "/api/v1/recordings?result=Not%20a%20code")
    assert status == 422 and body["error"]["field"] == "result"


async def test_the_admin_page_lists_every_result(as_admin: Browser, as_operator: Browser) -> None:
    response = await as_admin.get("/admin/wrap-up")
    page = await response.text()
    assert response.status == 200 and "咨询" in page and "follow_up_done" in page
    assert (await as_operator.get("/admin/wrap-up")).status == 403
    assert 'href="/admin/wrap-up"' in await (await as_admin.get("/calls")).text()
    assert 'href="/admin/wrap-up"' not in await (await as_operator.get("/calls")).text()


async def test_the_call_log_page_offers_the_results(as_operator: Browser) -> None:
    response = await as_operator.get("/calls?result=complaint")
    page = await response.text()
    assert response.status == 200 and 'value="complaint" selected' in page
    assert (await as_operator.get("/calls?result=BAD")).status == 422
