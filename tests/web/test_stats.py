"""Statistics over a real SQLite file: customers, visits, follow-ups, prospects and calls at known dates in
two branches; each chart's numbers exactly, its CSV and SVG; operators refused; fuzzed query strings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert

from ctid.accounts.models import Role, User
from ctid.accounts.tables import branches
from ctid.calls.tables import calls
from ctid.core.config import Config, parse
from ctid.crm.prospect_tables import prospects
from ctid.crm.tables import customers, follow_ups, vehicles, visits
from tests.support.site import Site, build_site, make_config
from tests.web.support import Browser, BrowserFactory

PERIOD = "from=2025-01-01&to=2025-04-01&bucket=month&months=2"
T0 = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.fixture
def config(tmp_path: Any, database_url: str) -> Config:
    base = make_config(str(tmp_path / "var"), database_url)
    return replace(base, lines=parse({"lines": [{"name": "front", "driver": "sim"}]}, "test").lines)


@pytest.fixture
async def site(config: Config) -> AsyncIterator[Site]:
    async with build_site(config) as built:
        await _seed(built)
        yield built


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def _seed(site: Site) -> None:
    home = (await site.services.accounts.branches.default_branch()).id
    async with site.services.db.begin() as conn:
        other = (
            await conn.execute(
                insert(branches).values(code="b2", name="分店", created_at=T0).returning(branches.c.id)
            )
        ).scalar_one()

        async def customer(cid: int, created: datetime, branch: int = home) -> None:
            values = {"id": cid, "branch_id": branch, "kind": "person", "name": f"客户{cid}"}
            await conn.execute(insert(customers).values(created_at=created, updated_at=created, **values))

        await customer(1, _utc(2025, 1, 5, 2))  # 10:00 on 5 January in Guangzhou
        await customer(2, _utc(2025, 1, 31, 15, 30))  # 23:30 on 31 January locally
        await customer(3, _utc(2025, 1, 31, 16, 30))  # 00:30 on 1 February locally
        await customer(4, _utc(2024, 6, 1))
        await customer(5, _utc(2025, 1, 10), other)
        for vid, branch in ((1, home), (2, other)):
            await conn.execute(
                insert(vehicles).values(
                    id=vid, branch_id=branch, plate=f"粤A1234{vid}", created_at=T0, updated_at=T0
                )
            )
        for cid, day, status, vid in (
            (4, date(2024, 11, 15), "completed", 1),
            (1, date(2025, 1, 10), "completed", 1),
            (2, date(2024, 12, 20), "completed", 1),
            (2, date(2025, 2, 10), "completed", 1),
            (3, date(2024, 10, 1), "cancelled", 1),
            (5, date(2024, 1, 1), "completed", 2),
        ):
            await conn.execute(
                insert(visits).values(vehicle_id=vid, customer_id=cid, visited_on=day, status=status)
            )
        feb = _utc(2025, 2, 3, 4)
        for cid, kind, status, category, created in (
            (1, "follow_up", "open", "维修回访", feb),
            (2, "follow_up", "open", "维修回访", feb),
            (2, "follow_up", "resolved", "维修回访", feb),
            (1, "follow_up", "closed", "维修回访", _utc(2024, 12, 1)),
            (1, "complaint", "open", "服务态度", feb),
            (2, "complaint", "resolved", "服务态度", feb),
            (3, "complaint", "open", "=cmd|' /C calc'!A0", feb),
            (3, "complaint", "open", "", feb),
            (5, "complaint", "open", "服务态度", feb),
        ):
            values = {"customer_id": cid, "kind": kind, "status": status, "category": category}
            await conn.execute(insert(follow_ups).values(created_at=created, updated_at=created, **values))
        for branch, industry, focus, created in (
            (home, "制造业", "油耗\n空间", feb),
            (home, "制造业", "空间", feb),
            (home, "", "价格", feb),
            (other, "制造业", "空间", feb),
            (home, "IT", "空间", _utc(2024, 12, 1)),
        ):
            values = {"branch_id": branch, "name": "潜客", "industry": industry, "focus_points": focus}
            await conn.execute(insert(prospects).values(created_at=created, updated_at=created, **values))
        for n, (line, direction, outcome, started) in enumerate(
            (
                ("front", "inbound", "answered", _utc(2025, 2, 3, 1, 15)),  # 09:15 locally
                ("front", "inbound", "connected", _utc(2025, 2, 3, 1, 45)),  # 09:45
                ("front", "inbound", "missed", _utc(2025, 2, 3, 10, 5)),  # 18:05
                ("front", "inbound", "missed", _utc(2025, 2, 3, 16, 30)),  # 00:30 on the 4th
                ("front", "outbound", "answered", _utc(2025, 2, 3, 1, 20)),
                ("front", "inbound", "missed", _utc(2025, 4, 1, 1)),  # after the period
                ("elsewhere", "inbound", "missed", _utc(2025, 2, 3, 1, 30)),  # another branch's line
            )
        ):
            values = {"id": f"c{n}", "line": line, "direction": direction, "outcome": outcome}
            await conn.execute(insert(calls).values(started_at=started, rings=1, **values))


@pytest.fixture
async def supervisor(site: Site) -> User:
    return await site.user("sam", Role.SUPERVISOR)


@pytest.fixture
async def as_supervisor(new_browser: BrowserFactory, supervisor: User) -> Browser:
    browser = await new_browser()
    assert (await browser.login(supervisor.username)).status == 303
    return browser


async def _json(browser: Browser, name: str, query: str = PERIOD) -> dict[str, Any]:
    response = await browser.client.get(f"/api/v1/stats/{name}?{query}")
    assert response.status == 200, await response.text()
    return dict(await response.json())


def _series(body: dict[str, Any]) -> dict[str, list[Any]]:
    return {s["name"]: s["values"] for s in body["series"]}


async def test_every_series_counts_exactly_the_branch(as_supervisor: Browser) -> None:
    new = await _json(as_supervisor, "new-customers")
    assert new["labels"] == ["2025-01", "2025-02", "2025-03"]
    assert new["series"][0]["values"] == [2, 1, 0]
    lost = await _json(as_supervisor, "lost-customers")
    assert lost["series"][0]["values"] == [1, 1, 2]
    lost_a_year = await _json(as_supervisor, "lost-customers", PERIOD.replace("months=2", "months=12"))
    assert lost_a_year["series"][0]["values"] == [0, 0, 0]
    follow = await _json(as_supervisor, "follow-ups")
    assert dict(zip(follow["labels"], follow["series"][0]["values"], strict=True)) == {
        "open": 2,
        "in progress": 0,  # labels come in the reader's language: the English word
        "resolved": 1,
        "closed": 0,
    }
    complaints = await _json(as_supervisor, "complaints")
    assert complaints["labels"] == ["服务态度", "(none)", "=cmd|' /C calc'!A0"]
    assert complaints["series"][0]["values"] == [2, 1, 1]
    industries = await _json(as_supervisor, "prospect-industries")
    assert (industries["labels"], industries["series"][0]["values"]) == (["制造业", "(none)"], [2, 1])
    focus = await _json(as_supervisor, "prospect-focus")
    assert (focus["labels"], focus["series"][0]["values"]) == (["空间", "价格", "油耗"], [2, 1, 1])
    hours = _series(await _json(as_supervisor, "calls-by-hour"))
    answered, missed = hours["answered"], hours["missed"]
    assert {h: n for h, n in enumerate(answered) if n} == {9: 2}
    assert {h: n for h, n in enumerate(missed) if n} == {0: 1, 18: 1}


async def test_weeks_and_days(as_supervisor: Browser) -> None:
    body = await _json(as_supervisor, "new-customers", "from=2025-01-29&to=2025-02-03&bucket=day")
    assert body["labels"] == ["2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02"]
    assert body["series"][0]["values"] == [0, 0, 1, 1, 0]
    body = await _json(as_supervisor, "new-customers", "from=2025-01-01&to=2025-01-15&bucket=week")
    assert body["labels"] == ["2025-01-01", "2025-01-06", "2025-01-13"]
    assert body["series"][0]["values"] == [1, 0, 0]


async def test_admins_see_every_branch_or_the_one_they_ask_for(as_admin: Browser, site: Site) -> None:
    complaints = await _json(as_admin, "complaints")
    assert complaints["series"][0]["values"][0] == 3
    home = (await site.services.accounts.branches.default_branch()).id
    mine = await _json(as_admin, "complaints", f"{PERIOD}&branch={home}")
    assert mine["series"][0]["values"][0] == 2
    missed = _series(await _json(as_admin, "calls-by-hour"))["missed"]
    assert missed[9] == 1, "every line when no branch is asked for"


async def test_csv_and_svg(as_supervisor: Browser) -> None:
    response = await as_supervisor.client.get(f"/stats/complaints.csv?{PERIOD}")
    assert response.status == 200
    assert (
        response.headers["Content-Disposition"] == 'attachment; filename="complaints-20250101-20250401.csv"'
    )
    data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Category,Complaints"
    assert lines[1:] == ["服务态度,2", "(none),1", "'=cmd|' /C calc'!A0,1"]
    response = await as_supervisor.client.get(f"/stats/complaints.svg?{PERIOD}")
    assert response.status == 200 and response.content_type == "image/svg+xml"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    svg = await response.text()
    root = ET.fromstring(svg.encode())
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"服务态度", "Complaints by category"} <= texts
    response = await as_supervisor.client.get("/stats/calls-by-hour.svg?from=2020-01-01&to=2020-01-02")
    assert "No data for this period." in await response.text()
    narrow = await as_supervisor.client.get(f"/stats/complaints.svg?{PERIOD}&size=narrow")
    assert ET.fromstring(await narrow.read()).get("viewBox") == "0 0 360 300"
    unknown = await as_supervisor.client.get(f"/stats/complaints.svg?{PERIOD}&size=huge")
    assert ET.fromstring(await unknown.read()).get("viewBox") == "0 0 640 320", "the wide drawing"


async def test_the_page_links_every_chart(as_supervisor: Browser) -> None:
    response = await as_supervisor.get(f"/stats?{PERIOD}")
    assert response.status == 200
    page = await response.text()
    for name in (
        "new-customers",
        "lost-customers",
        "follow-ups",
        "complaints",
        "prospect-focus",
        "calls-by-hour",
    ):
        assert (
            f'src="/stats/{name}.svg?from=2025-01-01&amp;to=2025-04-01&amp;bucket=month&amp;months=2"' in page
        )
        assert f'href="/stats/{name}.csv?' in page
        query = "from=2025-01-01&amp;to=2025-04-01&amp;bucket=month&amp;months=2&amp;size=narrow"
        assert f'<source media="(max-width: 700px)" srcset="/stats/{name}.svg?{query}"' in page, "a phone's"
    assert 'href="/stats"' in page, "the nav entry"


async def test_operators_are_refused(as_operator: Browser) -> None:
    for path in (
        "/stats",
        "/stats/new-customers.svg",
        "/stats/complaints.csv",
        "/api/v1/stats/new-customers",
    ):
        assert (await as_operator.client.get(path)).status == 403
    page = await (await as_operator.get("/")).text()
    assert 'href="/stats"' not in page


async def test_bad_input_is_422_or_404(as_supervisor: Browser) -> None:
    for query, field in (("from=2025-13-01", "from"), ("bucket=year", "bucket"), ("months=0", "months")):
        response = await as_supervisor.client.get(f"/api/v1/stats/new-customers?{query}")
        assert (response.status, (await response.json())["error"]["field"]) == (422, field)
    response = await as_supervisor.client.get("/api/v1/stats/new-customers?from=2025-01-01&to=2025-01-01")
    assert response.status == 422
    response = await as_supervisor.client.get(
        "/api/v1/stats/new-customers?from=2000-01-01&to=2025-01-01&bucket=day"
    )
    assert response.status == 422, "too many buckets"
    assert (await as_supervisor.client.get("/api/v1/stats/nothing")).status == 404


query_values = st.one_of(
    st.text(max_size=12),
    st.dates(min_value=date(1, 1, 1)).map(str),
    st.sampled_from(["day", "week", "month", "", "0", "121", "-1", "１２"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(st.sampled_from(["from", "to", "bucket", "months", "branch"]), query_values, max_size=5)
)
async def test_fuzzed_query_strings_never_give_500(as_supervisor: Browser, params: dict[str, str]) -> None:
    for path in ("/api/v1/stats/lost-customers", "/stats/calls-by-hour.svg", "/stats"):
        response = await as_supervisor.client.get(path, params=params)
        assert response.status in (200, 422), (path, params, response.status)
