"""Every JSON body of /api/v1, fuzzed over the real app: whatever arrives, no 5xx; a refusal is the
documented error shape (docs/api.md, "Errors") naming the field, and a refused request stores nothing.

The field tables come from the parsers themselves (ctid.web.crm_forms, prospect_forms), so a field added
to an endpoint is fuzzed without touching this file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role, User
from ctid.web import appointment_forms, campaign_desk_forms, crm_forms, prospect_forms, sms_forms
from tests.web.fuzz_support import Answer, Client, LiveSite, live_site
from tests.web.recordings_support import add_recording

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# the keys inside a body's lists of objects (items, opt-outs, a vehicle's customers, phones)
NESTED = {
    "kind",
    "name",
    "price",
    "quantity",
    "catalogue_item_id",
    "contact_type",
    "reason",
    "customer_id",
    "role",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # "{customer}" and the like are the seeded records' ids
    fields: tuple[str, ...]
    base: dict[str, Any]  # a body the route accepts, that the fuzz changes

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


AHEAD = (datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=30)).isoformat()  # bookable
ROUTES = [
    Route("POST", "/api/v1/users", ("username", "role", "branch_id", "display_name", "password"),
          {"username": "fuzz", "role": "operator", "branch_id": 1}),
    Route("POST", "/api/v1/branches", ("code", "name", "address", "phone", "active"),
          {"code": "fz", "name": "Fuzz"}),
    Route("POST", "/api/v1/tokens/{token}/revoke", (), {}),
    Route("PUT", "/api/v1/me/lines", ("lines",), {"lines": []}),
    Route("POST", "/api/v1/lines/desk/dial", ("number", "about", "override"), {"number": "13800138000"}),
    Route("POST", "/api/v1/dnc", ("number", "reason"), {"number": "13800138009", "reason": "r"}),
    Route("POST", "/api/v1/campaigns", ("name", "mode", "settings", "priority"),
          {"name": "c", "mode": "preview", "settings": {"lines": ["desk"], "source": {"kind": "search"}}}),
    Route("PATCH", "/api/v1/campaigns/{campaign}", ("name", "mode", "settings", "priority"), {}),
    Route("POST", "/api/v1/campaigns/{campaign}/exclusions", ("number", "reason"),
          {"number": "13800138000", "reason": "r"}),
    Route("POST", "/api/v1/campaigns/{campaign}/contacts/999999/exclude", ("reason",), {"reason": "r"}),
    Route("POST", "/api/v1/me/campaigns/{campaign}/contacts/999999/dial", campaign_desk_forms.DIAL,
          {"line": "desk"}),
    Route("POST", "/api/v1/me/campaigns/{campaign}/contacts/999999/skip", campaign_desk_forms.SKIP,
          {"reason": "r"}),
    Route("PUT", "/api/v1/attempts/999999/result", campaign_desk_forms.RESULT, {"result": "answered"}),
    Route("POST", "/api/v1/lines/desk/recording", ("action",), {"action": "pause"}),
    Route("PUT", "/api/v1/calls/{call}/note", ("note",), {"note": "n"}),
    Route("PUT", "/api/v1/calls/{call}/customer", ("customer_id", "add_number", "confirm_shared_phone"),
          {"customer_id": 1}),
    Route("PUT", "/api/v1/calls/{call}/result", ("result",), {"result": "enquiry"}),
    Route("POST", "/api/v1/wrap-up-codes", ("code", "label", "position", "active"),
          {"code": "fuzz", "label": "fuzz"}),
    Route("PATCH", "/api/v1/wrap-up-codes/{wrap_up_code}", ("label", "position", "active"), {}),
    Route("POST", "/api/v1/announcements", ("title", "body", "branch_id", "expires_on"), {"title": "t"}),
    Route("POST", "/api/v1/customers", tuple(crm_forms.NEW_CUSTOMER),
          {"name": "n", "phones": ["13800138001"]}),
    Route("PATCH", "/api/v1/customers/{customer}", tuple(crm_forms.CUSTOMER), {}),
    Route("PUT", "/api/v1/customers/{customer}/opt-outs", ("opt_outs",), {"opt_outs": []}),
    Route("POST", "/api/v1/vehicles", (*crm_forms.VEHICLE, "customers", "mileage_km", "branch_id"),
          {"plate": "粤B12345"}),
    Route("PATCH", "/api/v1/vehicles/{vehicle}", (*crm_forms.VEHICLE, "customers"), {}),
    Route("POST", "/api/v1/vehicles/{vehicle}/mileage", ("mileage_km", "read_on", "correction"),
          {"mileage_km": 900_000}),
    Route("POST", "/api/v1/visits", tuple(crm_forms.NEW_VISIT), {"vehicle_id": 1}),
    Route("PATCH", "/api/v1/visits/{visit}", tuple(crm_forms.VISIT), {}),
    Route("POST", "/api/v1/visits/{visit}/close", (), {}),
    Route("POST", "/api/v1/catalogue", tuple(crm_forms.CATALOGUE), {"code": "c", "name": "n", "price": "1"}),
    Route("PATCH", "/api/v1/catalogue/{item}", tuple(crm_forms.CATALOGUE), {}),
    Route("POST", "/api/v1/follow-ups", tuple(crm_forms.NEW_FOLLOW_UP), {"customer_id": 1, "content": "c"}),
    Route("PATCH", "/api/v1/follow-ups/{follow_up}", tuple(crm_forms.FOLLOW_UP), {}),
    Route("POST", "/api/v1/prospects", (*prospect_forms.PROSPECT, "branch_id"),
          {"name": "n", "phone": "13900139001"}),
    Route("PATCH", "/api/v1/prospects/{prospect}", tuple(prospect_forms.PROSPECT), {}),
    Route("POST", "/api/v1/prospects/{prospect}/review", (), {}),
    Route("POST", "/api/v1/prospects/{prospect}/visits", ("channel", "content", "next_on"), {}),
    Route("POST", "/api/v1/prospects/{prospect}/won", ("customer_id",), {}),
    Route("POST", "/api/v1/prospects/{prospect}/lost", ("lost_reason",), {"lost_reason": "价格"}),
    Route("POST", "/api/v1/crm-options", ("kind", "value", "position", "active"),
          {"kind": "source", "value": "v"}),
    Route("PATCH", "/api/v1/crm-options/{option}", ("value", "position", "active"), {}),
    Route("PUT", "/api/v1/recordings/{recording}/note", ("note",), {"note": "n"}),
    Route("PUT", "/api/v1/recordings/{recording}/tags", ("tags",), {"tags": ["t"]}),
    Route("POST", "/api/v1/sms", sms_forms.SEND, {"customer_id": 1, "text": "您好"}),
    Route("POST", "/api/v1/sms/{sms}/resend", (), {}),
    Route("POST", "/api/v1/imports/check", ("file", "mapping", "merge", "branch_id"), {}),
    Route("POST", "/api/v1/appointments", appointment_forms.NEW,
          {"customer_id": 1, "day": AHEAD, "slot": "09:00", "service": "洗车"}),
    Route("PATCH", "/api/v1/appointments/{appointment}", appointment_forms.CHANGES, {}),
]  # fmt: skip

# Text a form or a program might send, and text nobody should: controls, NUL, lone surrogates, bidi
# overrides, full-width and Arabic-Indic digits, impossible dates, numbers in words, very long text.
ODD_TEXT = [
    "", " ", "\x00", "a\x00b", "\r\n", "\u202e", "\ud800", "\ufeff", "2026-02-30", "0000-00-00", "9999-12-31",
    "2026-2-3", "１２３", "١٢٣", "1e400", "NaN", "-0", "%ff", "null", "true", "[]", "{}", "粤A·12345",
]  # fmt: skip
texts = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(max_size=20),
    st.text(min_size=1, max_size=3).map(lambda s: s * 3000),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 1, 2**31, 2**62, 2**63, 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
)
scalars = st.one_of(texts, numbers, st.booleans(), st.none())
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
# Whole bodies that are not a JSON object, or not JSON at all, or not text.
ODD_BODIES = [
    b"", b"null", b"[]", b"1", b'"x"', b"{", b"{}}", b'{"a":1,}', b"{'a': 1}", b"\xff\xfe{}",
    b'{"a": "\xff"}',
    b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 30_000 + b"1" + b"}" * 30_000, b"[" * 5000 + b"]" * 5000,
    b'{"\\ud800": 1}', b'{"a": 1e999999}', b'{"a": -Infinity}', b"\x00", b"{}" + b" " * 70_000,
]  # fmt: skip


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-api"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def boss_user(live: LiveSite) -> User:
    return live.user("boss", Role.ADMIN)


@pytest.fixture(scope="module")
def boss(live: LiveSite, boss_user: User) -> Client:
    return Client(live.port, token=live.token(boss_user))


@pytest.fixture(scope="module")
def others(live: LiveSite) -> dict[str, Client]:
    """Who else may send the body: a supervisor, an operator, an operator of another branch (whose
    requests take the branch checks' paths: 404 for another branch's record, 403 for a role)."""
    east = live.run(live.site.branch("east", "东区店"))
    people = {"sam": (Role.SUPERVISOR, None), "olga": (Role.OPERATOR, None), "erin": (Role.OPERATOR, east)}
    return {
        name: Client(live.port, token=live.token(live.user(name, role, branch)))
        for name, (role, branch) in people.items()
    }


@pytest.fixture(scope="module")
def ids(live: LiveSite, boss: Client, boss_user: User) -> dict[str, str]:
    """One record of each kind, through the API, for the paths that name one."""

    def made(path: str, body: dict[str, Any]) -> str:
        answer = boss.json("POST", path, json.dumps(body).encode())
        assert answer.status == 201, answer.text
        return str(answer.json()["id"])

    customer = made("/api/v1/customers", {"name": "张伟", "phones": ["13800138000"]})
    vehicle = made("/api/v1/vehicles", {"plate": "粤A12345", "mileage_km": 1000})
    recording = live.run(add_recording(live.site.services.db, live.site.services.recordings.root, seconds=1))
    spare = live.run(live.site.token(boss_user, "spare"))[1]  # to revoke: not the token the tests use
    return {
        "customer": customer,
        "vehicle": vehicle,
        "visit": made("/api/v1/visits", {"vehicle_id": int(vehicle)}),
        "item": made("/api/v1/catalogue", {"code": "OIL", "name": "机油", "price": "100"}),
        "follow_up": made("/api/v1/follow-ups", {"customer_id": int(customer), "content": "回访"}),
        "prospect": made("/api/v1/prospects", {"name": "李", "phone": "13900139000"}),
        "option": made("/api/v1/crm-options", {"kind": "lost_reason", "value": "价格"}),
        "wrap_up_code": made("/api/v1/wrap-up-codes", {"code": "callback", "label": "需回电"}),
        "appointment": made(
            "/api/v1/appointments",
            {"customer_id": int(customer), "day": AHEAD, "slot": "08:30", "service": "洗"},
        ),
        "recording": str(recording),
        "sms": made("/api/v1/sms", {"number": "13800138000", "text": "您好"}),
        "token": str(spare),
        "call": "c0ffee",
        "campaign": made(
            "/api/v1/campaigns",
            {"name": "c", "mode": "preview", "settings": {"lines": ["desk"], "source": {"kind": "search"}}},
        ),
    }


def check_refusal(answer: Answer, allowed_fields: set[str]) -> None:
    """The documented error shape; a 422 names one of the fields sent (or the route's, or the body)."""
    assert answer.status < 500, answer.text[:2000]
    if answer.status < 400:
        return
    assert answer.content_type.startswith("application/json"), (answer.status, answer.text[:300])
    error = answer.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"].strip()
    if answer.status == 422:
        assert error["code"] == "invalid"
        field = str(error.get("field"))
        inside = field.partition(".")[0].partition("[")[0]  # "settings.hours.windows[1]": in "settings"
        assert field in allowed_fields | {"body"} or ("." in field and inside in allowed_fields), (
            error,
            sorted(allowed_fields),
        )


def sent_body(route: Route, changes: dict[str, Any], serial: int) -> dict[str, Any]:
    """The route's accepted body with ``changes``; unique values made unique so that a 409 is not all
    a generated body can earn."""
    body = {**route.base, **changes}
    for key in ("username", "code", "value"):
        if key in route.base and key not in changes:
            body[key] = f"{route.base[key]}{serial}"
    if route.path == "/api/v1/customers" and "phones" not in changes:
        body["phones"] = [f"138{serial:08d}"]
    if route.path == "/api/v1/prospects" and "phone" not in changes:
        body["phone"] = f"139{serial:08d}"
    if route.path == "/api/v1/vehicles" and "plate" not in changes:
        body["plate"] = f"粤B{serial % 100_000:05d}"
    return body


def bodies(route: Route) -> st.SearchStrategy[dict[str, Any] | bytes]:
    """Changes to the route's accepted body (completed by ``sent_body`` when sent), or raw bytes."""
    names = st.sampled_from(route.fields) if route.fields else st.nothing()
    wrong_fields = st.dictionaries(names, values, min_size=1, max_size=3)
    unexpected = st.dictionaries(st.text(max_size=12), values, min_size=1, max_size=2)
    objects = st.one_of(wrong_fields, wrong_fields, unexpected) if route.fields else unexpected
    not_objects = values.filter(lambda v: not isinstance(v, dict)).map(lambda v: json.dumps(v).encode())
    return st.one_of(objects, objects, objects, not_objects, st.sampled_from(ODD_BODIES))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_json_body_is_answered_or_refused_by_name(
    route: Route, live: LiveSite, boss: Client, others: dict[str, Client], ids: dict[str, str]
) -> None:
    path = route.path.format(**ids)
    allowed = set(route.fields) | NESTED
    serial = iter(range(1, 10**9))  # outside the examples: a replayed example may take a new one

    @FUZZ
    @given(
        changes=bodies(route),
        charset=st.sampled_from(["", "", "", "; charset=utf-8", "; charset=latin-1", "; charset=bogus"]),
        who=st.sampled_from(["boss", "boss", "sam", "olga", "erin"]),
    )
    def sweep(changes: dict[str, Any] | bytes, charset: str, who: str) -> None:
        body = (
            changes
            if isinstance(changes, bytes)
            else json.dumps(sent_body(route, changes, next(serial))).encode()
        )
        before = live.fingerprint()
        client = others.get(who, boss)
        answer = client.request(route.method, path, body, {"Content-Type": "application/json" + charset})
        check_refusal(answer, allowed | set(_keys(body, charset)))
        if answer.status >= 400:
            assert live.fingerprint() == before, (answer.status, answer.text[:300])

    sweep()


def _keys(body: bytes, charset: str) -> list[str]:
    """The keys of the object the server decoded from ``body``, if it was one, and of the objects within
    it (an opt-out's ``{"A": null}`` in a list is refused naming ``A``: a field sent)."""
    try:
        decoded = json.loads(body.decode(charset.partition("=")[2] or "utf-8"))
    except (ValueError, LookupError, RecursionError):
        return []
    return list(_nested_keys(decoded)) if isinstance(decoded, dict) else []


def _nested_keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return {k for k in value if isinstance(k, str)}.union(*(_nested_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_nested_keys(v) for v in value))
    return set()


PATH_IDS = st.one_of(
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.sampled_from(["0", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-1", "1.0",
                     "%00", "%ff", "%2F", "..", "x" * 300, "%ED%A0%80", "1%00", "٣", "１"]),
)  # fmt: skip
ID_PATHS = [
    ("GET", "/api/v1/customers/{}"), ("GET", "/api/v1/customers/{}/history"), ("GET", "/api/v1/vehicles/{}"),
    ("GET", "/api/v1/vehicles/{}/mileage"), ("GET", "/api/v1/visits/{}"), ("GET", "/api/v1/follow-ups/{}"),
    ("GET", "/api/v1/prospects/{}"), ("GET", "/api/v1/prospects/{}/visits"), ("GET", "/api/v1/recordings/{}"),
    ("POST", "/api/v1/tokens/{}/revoke"), ("DELETE", "/api/v1/announcements/{}"), ("GET", "/api/v1/stats/{}"),
    ("POST", "/api/v1/lines/{}/hangup"), ("PUT", "/api/v1/calls/{}/note"), ("PATCH", "/api/v1/catalogue/{}"),
    ("POST", "/api/v1/visits/{}/close"), ("POST", "/api/v1/prospects/{}/review"),
    ("PATCH", "/api/v1/crm-options/{}"), ("PATCH", "/api/v1/wrap-up-codes/{}"),
    ("PUT", "/api/v1/calls/{}/result"), ("GET", "/api/v1/appointments/{}"),
    ("PATCH", "/api/v1/appointments/{}"),
    ("PUT", "/api/v1/calls/{}/result"), ("GET", "/api/v1/sms/{}"), ("POST", "/api/v1/sms/{}/resend"),
]  # fmt: skip


@FUZZ
@given(route=st.sampled_from(ID_PATHS), value=PATH_IDS)
def test_every_path_parameter_is_a_record_or_a_4xx(
    route: tuple[str, str], value: str, live: LiveSite, boss: Client
) -> None:
    refusal_for_path_id(live, boss, route, value)


@pytest.mark.parametrize("route", ID_PATHS, ids=[f"{m} {p}" for m, p in ID_PATHS])
def test_an_id_past_postgresqls_integer_is_a_4xx(
    live: LiveSite, boss: Client, route: tuple[str, str]
) -> None:
    """2**31 is an SQLite id but no PostgreSQL integer: asyncpg refused to bind it (a 500 there)."""
    refusal_for_path_id(live, boss, route, str(2**31))


def refusal_for_path_id(live: LiveSite, boss: Client, route: tuple[str, str], value: str) -> None:
    method, template = route
    before = live.fingerprint()
    answer = boss.request(method, template.format(value), b"{}", {"Content-Type": "application/json"})
    check_refusal(answer, {"id", "name", "note", "result", "body"})
    if answer.status >= 400:
        assert live.fingerprint() == before


def test_a_body_larger_than_the_limit_without_a_length_is_refused_by_name(
    live: LiveSite, boss: Client
) -> None:
    """Chunked: no Content-Length to check before reading, so the size is checked after."""
    body = json.dumps({"title": "t", "body": "x" * 100_000}).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    headers = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}
    before = live.fingerprint()
    answer = boss.request("POST", "/api/v1/announcements", chunked, headers)
    assert (answer.status, answer.json()["error"]["field"]) == (422, "body")
    assert "64 KB" in answer.json()["error"]["message"]
    assert live.fingerprint() == before


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * 30_000 + b"]" * 30_000, "nested too deeply"),
        (b'{"title": "\xff"}', "not valid JSON"),
        (b"{}", "not valid JSON"),  # with a charset nobody knows
    ],
)
def test_undecodable_bodies_say_what_is_wrong(
    live: LiveSite, boss: Client, body: bytes, message: str
) -> None:
    charset = "; charset=bogus" if body == b"{}" else ""
    answer = boss.request(
        "POST", "/api/v1/announcements", body, {"Content-Type": "application/json" + charset}
    )
    error = answer.json()["error"]
    assert (answer.status, error["field"]) == (422, "body")
    assert message in error["message"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/vehicles/{vehicle}/mileage", {"mileage_km": 5, "correction": "no way"}, "correction"),
        ("/api/v1/vehicles/{vehicle}/mileage", {"mileage_km": 5, "correction": [1]}, "correction"),
        ("/api/v1/visits", {"vehicle_id": "{vehicle}", "close": {"yes": True}}, "close"),
        ("/api/v1/branches", {"code": "x1", "name": "x", "active": "maybe"}, "active"),
        ("/api/v1/announcements", {"title": "t", "expires_on": 0}, "expires_on"),
        ("/api/v1/announcements", {"title": "t", "expires_on": []}, "expires_on"),
        ("/api/v1/customers/{customer}", {"birthday": "\x00"}, "birthday"),
        ("/api/v1/customers/{customer}", {"birthday": "\u202e"}, "birthday"),
    ],
)
def test_a_wrong_type_is_refused_not_taken_for_a_default(
    live: LiveSite, boss: Client, ids: dict[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    """A yes/no or a date that is neither was taken as false, no expiry or a cleared date: a choice the
    sender never made, stored without a word."""
    method = "PATCH" if path.endswith("{customer}") else "POST"
    sent = json.dumps(body).replace('"{vehicle}"', ids["vehicle"]).encode()
    before = live.fingerprint()
    answer = boss.request(method, path.format(**ids), sent, {"Content-Type": "application/json"})
    assert (answer.status, answer.json()["error"].get("field")) == (422, field), answer.text
    assert live.fingerprint() == before


def test_yes_and_no_are_still_understood(boss: Client) -> None:
    made = boss.request(
        "POST", "/api/v1/vehicles", '{"plate": "粤C12345"}'.encode(), {"Content-Type": "application/json"}
    )
    path = f"/api/v1/vehicles/{made.json()['id']}/mileage"
    for body in ({"mileage_km": 1000, "correction": False}, {"mileage_km": 5, "correction": "true"}):
        answer = boss.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert answer.status == 201, answer.text
    assert [r["correction"] for r in boss.request("GET", path).json()["items"]][:2] == [True, False]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/api/v1/recordings/{recording}/tags", {"tag": ["vip"]}, "tag"),
        ("PUT", "/api/v1/recordings/{recording}/note", {"notes": "call back"}, "notes"),
        ("PUT", "/api/v1/calls/{call}/note", {"text": "call back"}, "text"),
        ("PUT", "/api/v1/me/lines", {"line": ["desk"]}, "line"),
        (
            "POST",
            "/api/v1/users",
            {"username": "typo", "role": "operator", "branch_id": 1, "rol": "admin"},
            "rol",
        ),
        ("POST", "/api/v1/branches", {"code": "typo", "name": "T", "activ": False}, "activ"),
        ("POST", "/api/v1/announcements", {"title": "t", "expires": "2026-01-01"}, "expires"),
        ("POST", "/api/v1/lines/desk/dial", {"number": "138", "\u0000": 1}, "body"),
        (
            "PUT",
            "/api/v1/customers/{customer}/opt-outs",
            {"opt_outs": [{"contact_type": "marketing", "reasn": "勿扰"}]},
            "reasn",
        ),
        (
            "PATCH",
            "/api/v1/vehicles/{vehicle}",
            {"customers": [{"customer_id": 1, "role": "owner", "x": 1}]},
            "x",
        ),
    ],
)
def test_a_field_the_endpoint_does_not_know_is_refused_by_name(
    live: LiveSite,
    boss: Client,
    ids: dict[str, str],
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    """``"tag"`` for ``"tags"`` read as no tags at all and cleared them; ``"notes"`` for ``"note"`` cleared
    the note: a typo silently ignored is a change the sender never meant."""
    before = live.fingerprint()
    answer = boss.request(
        method, path.format(**ids), json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    assert (answer.status, answer.json()["error"].get("field")) == (422, field), answer.text
    assert live.fingerprint() == before


def test_a_reading_dated_after_today_is_refused(boss: Client) -> None:
    """2062 typed for 2026 sat after every real reading to come, refusing each lower one as going back."""
    made = boss.request(
        "POST", "/api/v1/vehicles", '{"plate": "粤D12345"}'.encode(), {"Content-Type": "application/json"}
    )
    vehicle = made.json()["id"]
    headers = {"Content-Type": "application/json"}
    for path, body, field in [
        (f"/api/v1/vehicles/{vehicle}/mileage", {"mileage_km": 500, "read_on": "2999-12-31"}, "read_on"),
        (
            "/api/v1/visits",
            {"vehicle_id": vehicle, "visited_on": "2999-12-31", "mileage_km": 9, "close": True},
            "visited_on",
        ),
    ]:
        answer = boss.request("POST", path, json.dumps(body).encode(), headers)
        assert (answer.status, answer.json()["error"]["field"]) == (422, field), answer.text
        assert "2999-12-31" in answer.json()["error"]["message"]
    assert boss.request("GET", f"/api/v1/vehicles/{vehicle}/mileage").json()["items"] == []
    assert boss.request("GET", f"/api/v1/visits?vehicle={vehicle}").json()["items"] == []


READ_BACK = [
    ("/api/v1/customers", ["/api/v1/customers/{}", "/api/v1/customers/{}/history", "/customers/{}"]),
    (
        "/api/v1/vehicles",
        ["/api/v1/vehicles/{}", "/api/v1/vehicles/{}/mileage", "/api/v1/vehicles/{}/history"],
    ),
    ("/api/v1/visits", ["/api/v1/visits/{}"]),
    ("/api/v1/follow-ups", ["/api/v1/follow-ups/{}"]),
    ("/api/v1/prospects", ["/api/v1/prospects/{}", "/api/v1/prospects/{}/visits", "/prospects/{}"]),
    ("/api/v1/catalogue", []),
    ("/api/v1/crm-options", []),
    ("/api/v1/users", []),
    ("/api/v1/announcements", []),
    ("/api/v1/recordings", ["/api/v1/recordings/{}", "/recordings/{}"]),
]
PAGES = [
    "/", "/customers", "/prospects", "/admin/users", "/admin/branches", "/admin/audit", "/admin/crm-options",
    "/recordings", "/calls", "/stats", "/api/v1/audit?per_page=200", "/api/v1/customers/export?format=xlsx",
    "/api/v1/customers/export?format=csv", "/api/v1/branches",
]  # fmt: skip


def test_whatever_was_accepted_reads_back_and_renders(boss: Client, ids: dict[str, str]) -> None:
    """Last in the module: every record the sweeps above created or changed, with whatever odd text was
    accepted, is read back by the API and shown on its page, in the lists, the audit log and the exports."""
    seen = 0
    for listing, details in READ_BACK:
        answer = boss.request("GET", f"{listing}?per_page=200")
        assert answer.status == 200, (listing, answer.text[:2000])
        for item in answer.json()["items"]:
            for detail in details:
                shown = boss.request("GET", detail.format(item["id"]))
                assert shown.status == 200, (detail, item["id"], shown.text[:2000])
                seen += 1
    assert seen >= 10
    for path in PAGES:
        answer = boss.request("GET", path)
        assert answer.status == 200, (path, answer.text[:2000])
