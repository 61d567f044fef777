"""The same request sent many times at once (a double-clicked Save, a retrying client): one succeeds, the
others are refused as the later one would be alone (409), never a 500, and what happens once happens once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from ctid.accounts.models import Role
from tests.web.fuzz_support import Answer, Client, LiveSite, live_site

AT_ONCE = 8
JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-races"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def secret(live: LiveSite) -> str:
    return live.token(live.user("boss", Role.ADMIN))


def at_once(live: LiveSite, secret: str, method: str, path: str, body: dict[str, Any]) -> Counter[int]:
    def send(_: int) -> Answer:
        return Client(live.port, token=secret).request(method, path, json.dumps(body).encode(), JSON)

    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(send, range(AT_ONCE)))
    assert all(a.status < 500 for a in answers), [a.text[:300] for a in answers if a.status >= 500]
    return Counter(a.status for a in answers)


def made(secret: str, live: LiveSite, path: str, body: dict[str, Any]) -> int:
    answer = Client(live.port, token=secret).request("POST", path, json.dumps(body).encode(), JSON)
    assert answer.status in (200, 201), answer.text
    return int(answer.json()["id"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/users", {"username": "twice", "role": "operator", "branch_id": 1}),
        ("/api/v1/branches", {"code": "twice", "name": "Twice"}),
        ("/api/v1/vehicles", {"plate": "粤A54321"}),
        ("/api/v1/catalogue", {"code": "TWICE", "name": "n", "price": "1"}),
    ],
)
def test_a_unique_value_created_twice_at_once_is_one_201_and_409s(
    live: LiveSite, secret: str, path: str, body: dict[str, Any]
) -> None:
    """The name was checked free by each, then the database refused all but one: a 500 for the rest."""
    assert at_once(live, secret, "POST", path, body) == Counter({201: 1, 409: AT_ONCE - 1})


def test_a_visit_closed_twice_at_once_closes_once(live: LiveSite, secret: str) -> None:
    """Each found it open and closed it: one visit, eight mileage readings in the vehicle's history."""
    vehicle = made(secret, live, "/api/v1/vehicles", {"plate": "粤A66666"})
    visit = made(secret, live, "/api/v1/visits", {"vehicle_id": vehicle, "mileage_km": 5000})
    assert at_once(live, secret, "POST", f"/api/v1/visits/{visit}/close", {}) == Counter(
        {200: 1, 409: AT_ONCE - 1}
    )
    readings = Client(live.port, token=secret).request("GET", f"/api/v1/vehicles/{vehicle}/mileage").json()
    assert [r["mileage_km"] for r in readings["items"]] == [5000]


def test_a_prospect_won_twice_at_once_is_won_once(live: LiveSite, secret: str) -> None:
    """Each found it reviewed and won it (three 200s in eight), and each loser's new customer stayed: the
    customer is now made in the transaction that checks the status, so one prospect won, one customer."""
    client = Client(live.port, token=secret)
    prospect = made(secret, live, "/api/v1/prospects", {"name": "赵六", "phone": "13700137000"})
    assert client.request("POST", f"/api/v1/prospects/{prospect}/review", b"{}", JSON).status == 200
    won = at_once(live, secret, "POST", f"/api/v1/prospects/{prospect}/won", {})
    assert won == Counter({200: 1, 409: AT_ONCE - 1})
    found = client.request("GET", "/api/v1/search?q=13700137000").json()["items"]
    assert [c["name"] for c in found] == ["赵六"], "one customer for the one prospect won"


def test_an_announcement_withdrawn_twice_at_once_is_withdrawn_once(live: LiveSite, secret: str) -> None:
    """Three of eight found it and deleted it: three "announcement.delete" entries in the audit log (a
    short window: four rounds to be sure of meeting it)."""
    client = Client(live.port, token=secret)
    for done in range(1, 5):
        announcement = made(secret, live, "/api/v1/announcements", {"title": "周末休息"})
        path = f"/api/v1/announcements/{announcement}"
        assert at_once(live, secret, "DELETE", path, {}) == Counter({200: 1, 404: AT_ONCE - 1})
        audit = client.request("GET", "/api/v1/audit?action=announcement.delete")  # ids are reused: all
        assert audit.json()["total"] == done
