"""Every form post of the pages, fuzzed over the real app with a valid session and CSRF token: whatever
the fields hold (or however the body is encoded), no 5xx; a refusal is a page that says what was wrong,
and a refused post stores nothing."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from tests.web.fuzz_support import Answer, Client, LiveSite, browser, live_site
from tests.web.recordings_support import add_recording

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
ALERT = re.compile(
    r'<p class="error"[^>]*>(.*?)</p>|<section class="card narrow error-page">(.*?)</section>', re.S
)

# (path, its fields); "{user}" and the like are the seeded records' ids
FORMS = [
    ("/account/tokens", ("name",)),
    ("/account/password", ("old_password", "new_password", "confirm_password")),
    (
        "/admin/users/new",
        ("username", "role", "branch_id", "display_name", "password", "must_change_password"),
    ),
    ("/admin/users/{user}", ("display_name", "role", "branch_id", "active", "new_password", "lines")),
    ("/admin/branches/new", ("code", "name", "address", "phone", "active")),
    ("/admin/branches/{branch}", ("code", "name", "address", "phone", "active")),
    ("/admin/tokens/{token}/revoke", ()),
    ("/announcements", ("title", "body", "branch_id", "expires_on")),
    ("/announcements/{announcement}/delete", ()),
    ("/recordings/{recording}/note", ("note",)),
    ("/recordings/{recording}/tags", ("tags",)),
    ("/language", ("locale", "next")),
    ("/login", ("username", "password", "next")),
]
ODD_TEXT = [
    "", " ", "\x00", "a\x00b", "\r\n", "\u202e", "\ufeff", "2026-02-30", "0000-00-00", "9999-12-31", "１２３",
    "-1", "0", "99999999999999999999999", "1e400", "NaN", "on", "true", "admin", "operator", "1", "zh_CN",
    "//evil.example", "/\\evil", "javascript:alert(1)", "<script>", "main",
]  # fmt: skip
texts = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(max_size=20),
    st.text(min_size=1, max_size=2).map(lambda s: s * 3000),
)
# A raw urlencoded value: percent escapes good and bad (%ff is not UTF-8, %zz and a lone % no escape).
raw_values = st.lists(
    st.sampled_from(["%ff", "%zz", "%", "%00", "%ED%A0%80", "+", "&", "=", "a", "%E4%B8"]), max_size=4
).map("".join)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-forms"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def boss(live: LiveSite) -> Client:
    live.user("boss", Role.ADMIN)
    return browser(live, "boss")


@pytest.fixture(scope="module")
def ids(live: LiveSite) -> dict[str, str]:
    site, services = live.site, live.site.services
    target = live.user("olga", Role.OPERATOR)
    spare = live.run(site.token(target, "spare"))[1]
    recording = live.run(add_recording(services.db, services.recordings.root, seconds=1))
    return {
        "user": str(target.id),
        "branch": str(live.run(site.branch("east", "东区店"))),
        "token": str(spare),
        "announcement": "1",
        "recording": str(recording),
    }


def encoded(fields: list[tuple[str, str]], raw: list[tuple[str, str]]) -> bytes:
    """A urlencoded body from clean pairs (escaped here) and raw ones (sent as they are)."""
    pairs = [f"{quote(k)}={quote(v)}" for k, v in fields] + [f"{k}={v}" for k, v in raw]
    return "&".join(pairs).encode()


def check_page(answer: Answer) -> None:
    """No 5xx; a refusal is a page (never a bare text or JSON) that shows a message."""
    assert answer.status < 500, answer.text[:3000]
    if answer.status < 400:
        return
    assert answer.content_type.startswith("text/html"), (answer.status, answer.content_type)
    found = ALERT.search(answer.text)
    assert found, answer.text[:3000]
    message = re.sub(r"<[^>]+>", " ", found.group(1) or found.group(2))
    assert html.unescape(message).strip(), answer.text[:3000]


@pytest.mark.parametrize(("path", "names"), FORMS, ids=[p for p, _ in FORMS])
def test_every_form_post_is_answered_or_refused_on_a_page(
    path: str, names: tuple[str, ...], live: LiveSite, boss: Client, ids: dict[str, str]
) -> None:
    target = path.format(**ids)
    keys = st.sampled_from(names) if names else st.text(min_size=1, max_size=5)
    fields = st.lists(st.tuples(keys | st.text(min_size=1, max_size=5), texts), max_size=5)
    raw = st.lists(st.tuples(keys, raw_values), max_size=2)

    @FUZZ
    @given(fields=fields, raw=raw)
    def sweep(fields: list[tuple[str, str]], raw: list[tuple[str, str]]) -> None:
        before = live.fingerprint()
        answer = boss.post_form(target, encoded(fields, raw))
        assert answer.status != 403, answer.text[:2000]  # the session and its CSRF token hold
        check_page(answer)
        if answer.status >= 400:
            assert live.fingerprint() == before, (answer.status, answer.text[:300])

    sweep()


NOT_TEXT = ("The request body is not text in its character set.", "请求内容不是其字符集下的有效文本。")
BODIES = [
    (b"title=\xff\xfe", "application/x-www-form-urlencoded"),
    (b"title=hi", "application/x-www-form-urlencoded; charset=bogus"),
    (b"title=\xe4\xb8", "application/x-www-form-urlencoded; charset=utf-8"),
    (b"\x00\x00\x00", "application/x-www-form-urlencoded"),
]


@pytest.mark.parametrize(("body", "content_type"), BODIES)
@pytest.mark.parametrize("path", ["/announcements", "/admin/branches/new", "/login"])
def test_a_body_its_charset_cannot_decode_is_refused_on_a_page(
    live: LiveSite, boss: Client, path: str, body: bytes, content_type: str
) -> None:
    """aiohttp decodes a form when the CSRF check or the view first reads it; either way the sender's
    bytes are the sender's mistake: a 422 page, not a 500 (the CSRF token in the header here, as the
    form's own field is in the body that cannot be read)."""
    before = live.fingerprint()
    headers = {"Content-Type": content_type, "X-CSRF-Token": boss.csrf}
    answer = boss.request("POST", path, body, headers)
    check_page(answer)
    if b"\x00" not in body:
        assert answer.status == 422
        assert any(message in answer.text for message in NOT_TEXT), answer.text[:2000]
    assert live.fingerprint() == before


def test_the_refusal_is_in_the_users_language(boss: Client) -> None:
    assert boss.post_form("/language", [("locale", "zh_CN"), ("next", "/")]).status == 303
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": boss.csrf}
    answer = boss.request("POST", "/announcements", b"title=\xff", headers)
    assert answer.status == 422
    assert NOT_TEXT[1] in answer.text


PAGE_PATHS = [
    ("GET", "/admin/users/{}"), ("POST", "/admin/users/{}"), ("GET", "/admin/branches/{}"),
    ("POST", "/admin/branches/{}"), ("POST", "/admin/tokens/{}/revoke"),
    ("POST", "/account/tokens/{}/revoke"),
    ("POST", "/announcements/{}/delete"), ("GET", "/customers/{}"), ("GET", "/prospects/{}"),
    ("GET", "/recordings/{}"), ("GET", "/recordings/{}/audio"), ("GET", "/recordings/{}/waveform.svg"),
    ("POST", "/recordings/{}/note"), ("GET", "/stats/{}.svg"),
]  # fmt: skip
PATH_IDS = st.one_of(
    st.from_regex(r"[0-9]{1,40}", fullmatch=True),
    st.sampled_from(
        [
            "0",
            "2147483648",
            "9223372036854775807",
            "9223372036854775808",
            "18446744073709551616",
            "%00",
            "%ff",
        ]
    ),
)


@FUZZ
@given(route=st.sampled_from(PAGE_PATHS), value=PATH_IDS)
@example(route=("GET", "/admin/users/{}"), value="9223372036854775808")
@example(route=("POST", "/account/tokens/{}/revoke"), value="9223372036854775808")
def test_every_page_path_parameter_is_a_record_or_a_page_saying_why(
    live: LiveSite, boss: Client, route: tuple[str, str], value: str
) -> None:
    """Digits of any length pass the routes' patterns; one past 2**63 was an OverflowError (a 500)."""
    page_for_path_id(live, boss, route, value)


@pytest.mark.parametrize("route", PAGE_PATHS, ids=[f"{m} {p}" for m, p in PAGE_PATHS])
def test_an_id_past_postgresqls_integer_is_a_page_saying_why(
    live: LiveSite, boss: Client, route: tuple[str, str]
) -> None:
    """2**31 is an SQLite id but no PostgreSQL integer: asyncpg refused to bind it (a 500 there)."""
    page_for_path_id(live, boss, route, str(2**31))


def page_for_path_id(live: LiveSite, boss: Client, route: tuple[str, str], value: str) -> None:
    method, template = route
    before = live.fingerprint()
    if method == "GET":
        answer = boss.request("GET", template.format(value))
    else:
        answer = boss.post_form(template.format(value), [("display_name", "x"), ("role", "operator")])
    assert answer.status != 403
    check_page(answer)
    if answer.status >= 400:
        assert live.fingerprint() == before


def test_a_form_over_the_request_limit_says_the_limit(live: LiveSite, boss: Client) -> None:
    """A 413 page said "Too large" twice: neither what nor how much."""
    before = live.fingerprint()
    answer = boss.post_form("/announcements", [("title", "x" * 3_000_000)])
    assert answer.status == 413
    check_page(answer)
    assert "2 MB" in answer.text
    assert live.fingerprint() == before
