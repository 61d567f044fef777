"""Every query string, fuzzed over the real app: the API's lists and the pages that show the same lists.

Whatever the query holds (wrong types, huge and negative numbers, impossible dates, control characters,
bad percent escapes, repeated or unknown keys), no 5xx; the API refuses in its documented shape naming
the parameter, the page with the same list refuses with the same message, and a GET stores nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from tests.web.fuzz_support import Answer, Client, LiveSite, browser, live_site

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PAGE = ("page", "per_page")
PERIOD = ("from", "to")
STATS = ("from", "to", "bucket", "months", "branch")
RECORDINGS = (*PERIOD, *PAGE, "line", "operator", "number", "match", "customer", "direction")
RECORDINGS += ("min_duration", "max_duration", "notes", "tag", "result")
# (API path, the page that lists the same with the same parser or None, the parameters)
LISTS = [
    ("/api/v1/users", "/admin/users", ("q", "role", "branch", *PAGE)),
    ("/api/v1/audit", "/admin/audit", ("actor", "action", "entity_type", "entity_id", *PERIOD, *PAGE)),
    ("/api/v1/calls", "/calls", ("line", "direction", "outcome", "result", "number", *PERIOD, *PAGE)),
    ("/api/v1/customers", "/customers", ("branch", "level", "source", "assigned_user", "kind", *PAGE)),
    ("/api/v1/vehicles", None, ("branch", "status", "brand", "customer", *PAGE)),
    ("/api/v1/visits", None, ("customer", "vehicle", "status", "branch", *PAGE)),
    ("/api/v1/catalogue", None, ("active", "category", *PAGE)),
    (
        "/api/v1/follow-ups",
        None,
        ("status", "kind", "handler", "customer", "due_from", "due_to", "branch", *PAGE),
    ),
    ("/api/v1/prospects", "/prospects", ("status", "assigned", "source", "industry", "branch", *PAGE)),
    ("/api/v1/crm-options", None, ("kind", "active")),
    ("/api/v1/wrap-up-codes", None, ("active",)),
    ("/api/v1/sms", None, ("customer", "number", "status", "purpose", "branch", *PERIOD, *PAGE)),
    ("/api/v1/search", None, ("q", "limit")),
    ("/api/v1/recordings", "/recordings", RECORDINGS),
    ("/api/v1/recordings/access", "/recordings/access", ("recording", "user", "action", *PERIOD, *PAGE)),
    ("/api/v1/recordings/links", None, ("call",)),
    ("/api/v1/stats/new-customers", "/stats", STATS),
    ("/api/v1/stats/lost-customers", "/stats/lost-customers.svg", STATS),
    ("/api/v1/stats/calls-by-hour", "/stats/calls-by-hour.csv", STATS),
    ("/api/v1/customers/export", None, ("format", "lang", "branch_id")),
    ("/api/v1/me/missed", None, ()),
    ("/api/v1/announcements", None, ()),
]
# pages whose query is not a list's filter
PAGES = [
    ("/login", ("next",)),
    ("/account/password", ("done",)),
    ("/", ()),
    ("/console", ()),
    ("/lines", ()),
    ("/admin/crm-options", ("kind", "active")),
    ("/customers/import", ()),
]
ODD_TEXT = [
    "", " ", "0", "-1", "1", "200", "201", "1000001", "99999999999999999999999", "1e3", "1.5", "０１", "٣",
    "2026-02-30", "2026-13-01", "0001-01-01", "1899-12-31", "2999-12-31", "9999-12-31", "2026-03-22",
    "1900-01-01", "true", "false", "maybe", "day", "week", "month", "inbound", "begins", "csv", "xlsx",
    "\x00", "a\x00b", "\u202e", "\r\n", "//evil.example", "x" * 300,
]  # fmt: skip
clean = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=12)).map(lambda v: quote(v, safe=""))
raw = st.lists(
    st.sampled_from(["%ff", "%zz", "%", "%00", "%ED%A0%80", "+", "%2B", ";", "=", "a", "%E4%B8"]),
    max_size=4,
).map("".join)


def queries(names: tuple[str, ...]) -> st.SearchStrategy[str]:
    keys = st.sampled_from(names) if names else st.just("x")
    pairs = st.lists(st.tuples(keys | st.text(max_size=4).map(quote), clean | raw), max_size=5)
    return pairs.map(lambda found: "&".join(f"{k}={v}" for k, v in found))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-queries"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def boss(live: LiveSite) -> Client:
    live.user("boss", Role.ADMIN)
    return browser(live, "boss")


@pytest.fixture(scope="module")
def program(live: LiveSite) -> Client:
    return Client(live.port, token=live.token(live.user("prog", Role.ADMIN)))


@pytest.fixture(scope="module")
def others(live: LiveSite) -> dict[str, Client]:
    """A supervisor and an operator: their queries take the branch-scoped paths (an operator's own
    recordings only, a supervisor's branch only); a 403 for what their role may not list."""
    people = {"sam": Role.SUPERVISOR, "olga": Role.OPERATOR}
    return {name: Client(live.port, token=live.token(live.user(name, role))) for name, role in people.items()}


def page_message(answer: Answer) -> str:
    found = re.search(r'<section class="card narrow error-page">(.*?)</section>', answer.text, re.S)
    assert found, answer.text[:3000]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))


@pytest.mark.parametrize(("api", "page", "names"), LISTS, ids=[a for a, _p, _n in LISTS])
def test_every_list_query_is_answered_or_refused_by_name(
    api: str,
    page: str | None,
    names: tuple[str, ...],
    live: LiveSite,
    boss: Client,
    program: Client,
    others: dict[str, Client],
) -> None:
    @FUZZ
    @given(query=queries(names), who=st.sampled_from(["prog", "prog", "sam", "olga"]))
    def sweep(query: str, who: str) -> None:
        before = live.fingerprint()
        answer = others.get(who, program).request("GET", f"{api}?{query}")
        assert answer.status < 500, (query, answer.text[:3000])
        if answer.status == 403:
            assert who != "prog" and answer.json()["error"]["code"] == "forbidden"
        elif answer.status >= 400:
            error = answer.json()["error"]
            assert (answer.status, error["code"]) == (422, "invalid"), (query, error)
            assert error["field"] in names, (query, error)
            assert error["message"].strip()
        if page is not None and who == "prog":  # the page's browser is an admin too
            shown = boss.request("GET", f"{page}?{query}")
            assert shown.status < 500, (query, shown.text[:3000])
            if answer.status == 422:
                assert shown.status == 422, (query, error)
                assert error["message"] in page_message(shown), (query, error)
        assert live.fingerprint() == before

    sweep()


@pytest.mark.parametrize(("path", "names"), PAGES, ids=[p for p, _n in PAGES])
def test_every_page_query_is_answered_or_refused_on_a_page(
    path: str, names: tuple[str, ...], live: LiveSite, boss: Client
) -> None:
    @FUZZ
    @given(query=queries(names))
    def sweep(query: str) -> None:
        before = live.fingerprint()
        answer = boss.request("GET", f"{path}?{query}")
        assert answer.status < 500, (query, answer.text[:3000])
        if answer.status >= 400:
            assert page_message(answer).strip()
        assert live.fingerprint() == before

    sweep()
