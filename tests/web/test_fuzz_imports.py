"""The customer-file upload's form fields and its multipart framing, fuzzed over the real app (the file's
content is fuzzed in test_crm_imports.py): no 5xx, a refusal names the field, a refused import stores
nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from tests.crm.imports.support import csv_bytes
from tests.web.fuzz_support import Client, LiveSite, live_site

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
BOUNDARY = "fuzzfuzzfuzz"
GOOD = csv_bytes([["客户名称", "手机", "车牌号"], ["王芳", "13900139000", "粤A11111"]])
ODD_TEXT = [
    "", " ", "skip", "update", "create", "SKIP", "0", "-1", "1", "99999999999999999999999", "１", "\x00",
    "{}", "[]", "null", '{"客户名称": "name"}', '{"客户名称": "nonsense"}', '{"手机": null}', '{"a": 1}',
    '{"客户名称": ["name"]}', "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, "\ud800",
]  # fmt: skip
field_values = st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=30))


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename is not None else "")
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + value + b"\r\n"


def multipart(fields: dict[str, str], file: bytes | None) -> bytes:
    body = b"".join(part(k, v.encode("utf-8", "surrogatepass")) for k, v in fields.items())
    if file is not None:
        body += part("file", file, "customers.csv")
    return body + f"--{BOUNDARY}--\r\n".encode()


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Iterator[LiveSite]:
    with live_site(tmp_path_factory.mktemp("fuzz-imports"), module_database_url) as site:
        yield site


@pytest.fixture(scope="module")
def program(live: LiveSite) -> Client:
    return Client(live.port, token=live.token(live.user("boss", Role.ADMIN)))


@FUZZ
@given(
    path=st.sampled_from(["/api/v1/imports/check", "/api/v1/imports"]),
    fields=st.dictionaries(st.sampled_from(["mapping", "merge", "branch_id", "other"]), field_values),
    file=st.sampled_from([GOOD, b"", None]),
)
def test_every_upload_field_is_answered_or_refused_by_name(
    live: LiveSite, program: Client, path: str, fields: dict[str, str], file: bytes | None
) -> None:
    before = live.fingerprint()
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = program.request("POST", path, multipart(fields, file), headers)
    assert answer.status < 500, answer.text[:3000]
    if answer.status >= 400:
        body = answer.json()
        error = body.get("error") or {"field": "file", "message": body["message"]}  # a rejected import
        assert error["field"] in ("mapping", "merge", "branch_id", "file"), error
        assert error["message"].strip()
        assert live.fingerprint() == before


FRAMINGS = [
    b"",
    b"--" + BOUNDARY.encode(),
    b"--"
    + BOUNDARY.encode()
    + b"\r\nContent-Disposition: form-data\r\n\r\nx\r\n--"
    + BOUNDARY.encode()
    + b"--",
    part("file", GOOD, "a.csv"),  # never closed
    b"--other\r\n\r\n",
    b"\x00" * 100,
    multipart({"mapping": "{}"}, GOOD).replace(b"\r\n", b"\n"),
]


@pytest.mark.parametrize("body", FRAMINGS)
@pytest.mark.parametrize("boundary", [BOUNDARY, "", "x" * 100])
def test_broken_multipart_is_a_4xx(live: LiveSite, program: Client, body: bytes, boundary: str) -> None:
    before = live.fingerprint()
    headers = {
        "Content-Type": f"multipart/form-data; boundary={boundary}" if boundary else "multipart/form-data"
    }
    answer = program.request("POST", "/api/v1/imports", body, headers)
    assert 400 <= answer.status < 500, answer.text[:3000]
    assert answer.json()["error"]["field"] == "file"
    assert live.fingerprint() == before


def test_a_mapping_nested_too_deeply_names_the_mapping(program: Client) -> None:
    deep = "[" * 30_000 + "]" * 30_000
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = program.request("POST", "/api/v1/imports/check", multipart({"mapping": deep}, GOOD), headers)
    assert (answer.status, answer.json()["error"]["field"]) == (422, "mapping")
    assert json.dumps(answer.json())  # a plain answer, not a 500's


def test_a_field_over_its_limit_says_the_limit(program: Client) -> None:
    """64 KB for a form field: "larger than 0 MB" (the file's wording, in MB) said nothing."""
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    answer = program.request(
        "POST", "/api/v1/imports/check", multipart({"mapping": "x" * 70_000}, GOOD), headers
    )
    error = answer.json()["error"]
    assert (answer.status, error["field"]) == (422, "mapping")
    assert "64 KB" in error["message"]
