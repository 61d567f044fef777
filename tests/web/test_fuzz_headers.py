"""The request headers the app reads, fuzzed over the real app as raw bytes: the credentials
(``Authorization``, the session cookie), the language (``Accept-Language``, the language cookie) and a
browser's ``Origin``. Whatever they hold, no 5xx: a bad credential is "not logged in", a bad language the
site's default."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from tests.web.fuzz_support import Client, LiveSite, live_site
from tests.web.recordings_support import add_recording

FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# what may stand in a header value on the wire: no CR, LF or NUL, but any other byte (latin-1 on the wire,
# and UTF-8 that is not; aiohttp hands the app what is not UTF-8 as surrogates)
header_bytes = st.binary(max_size=60).map(lambda b: bytes(c for c in b if c not in b"\r\n\x00\x7f"))
PATHS = ["/", "/login", "/api/v1/me", "/healthz", "/customers", "/api/v1/customers"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-headers"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def secret(live: LiveSite) -> str:
    return live.token(live.user("boss", Role.ADMIN))


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    junk=header_bytes,
    scheme=st.sampled_from([b"Bearer ", b"bearer ", b"", b"Basic "]),
)
@example(path="/login", junk=b"\xe9", scheme=b"Bearer ")
@example(path="/api/v1/me", junk=b"\xff\xfe", scheme=b"Bearer ")
def test_any_authorization_is_a_user_or_not_logged_in(
    live: LiveSite, secret: str, path: str, junk: bytes, scheme: bytes
) -> None:
    """A token with a byte that is not UTF-8 failed to hash: a 500 on every page, the public ones too."""
    for value in (scheme + junk, scheme + secret.encode() + junk):
        answer = Client(live.port).request("GET", path, headers={"Authorization": value})
        assert answer.status < 500, (value, answer.text[:2000])
        if path.startswith("/api/") and answer.status == 401:
            assert answer.json()["error"]["code"] == "not_authenticated"


@FUZZ
@given(
    path=st.sampled_from(PATHS),
    junk=header_bytes,
    name=st.sampled_from([b"ctid_session", b"ctid_lang", b"ctid_csrf"]),
)
@example(path="/", junk=b"\xe9", name=b"ctid_session")
def test_any_cookie_is_a_session_or_none(live: LiveSite, path: str, junk: bytes, name: bytes) -> None:
    answer = Client(live.port).request("GET", path, headers={"Cookie": name + b"=" + junk})
    assert answer.status < 500, (junk, answer.text[:2000])


@FUZZ
@given(path=st.sampled_from(PATHS), language=header_bytes, origin=header_bytes)
def test_any_language_or_origin_is_answered(
    live: LiveSite, secret: str, path: str, language: bytes, origin: bytes
) -> None:
    headers = {"Accept-Language": language, "Origin": origin, "Authorization": f"Bearer {secret}"}
    answer = Client(live.port).request("GET", path, headers=headers)
    assert answer.status < 500, (language, origin, answer.text[:2000])


@FUZZ
@given(
    path=st.sampled_from(["/login", "/language", "/announcements", "/api/v1/announcements"]),
    token=header_bytes,
    cookie=header_bytes,
)
@example(path="/login", token=b"x", cookie=b"\x80")
@example(path="/language", token=b"\x80", cookie=b"x" * 43)
def test_any_csrf_token_or_cookie_is_checked_not_a_500(
    live: LiveSite, path: str, token: bytes, cookie: bytes
) -> None:
    """The login form's double-submit cookie and the CSRF header, as sent: bytes that are not UTF-8
    failed to encode (a 500 on the login page itself)."""
    headers = {
        "Cookie": b"ctid_csrf=" + cookie,
        "X-CSRF-Token": token,
        "Content-Type": "application/x-www-form-urlencoded",
    }
    answer = Client(live.port).request("POST", path, b"username=x&password=y&locale=en", headers)
    assert answer.status < 500, answer.text[:2000]
    page = Client(live.port).request("GET", "/login", headers={"Cookie": b"ctid_csrf=" + cookie})
    assert page.status in (200, 400), page.text[:2000]  # 400: aiohttp's parser refuses control bytes


@settings(FUZZ, max_examples=15)
@given(agent=header_bytes, action=st.sampled_from(["audio", "download"]))
@example(agent=b"Mozilla \xe9\xff", action="audio")
def test_any_user_agent_is_logged_with_the_playback(
    live: LiveSite, secret: str, agent: bytes, action: str
) -> None:
    """The access log keeps who listened with their browser's User-Agent: one with bytes that are not
    UTF-8 could not be stored, so the recording could not be played at all (a 500)."""
    services = live.site.services
    recording = live.run(add_recording(services.db, services.recordings.root, seconds=0.2, branch_id=1))
    client = Client(live.port, token=secret)
    answer = client.request("GET", f"/recordings/{recording}/{action}", headers={"User-Agent": agent})
    assert answer.status < 500, answer.text[:2000]
    if answer.status == 200:
        logged = client.request("GET", f"/api/v1/recordings/access?recording={recording}").json()["items"]
        assert [entry["action"] for entry in logged] == ["play" if action == "audio" else "download"]
        assert "\ufffd" not in logged[0]["user_agent"] and len(logged[0]["user_agent"]) <= 200
