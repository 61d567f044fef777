"""Customer files over HTTP: check, import (all or nothing), export, permissions, CSRF, and arbitrary uploads
that must never be a 500."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import FormData
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ctid.accounts.models import Role
from tests.crm.imports.support import csv_bytes
from tests.support.site import Site
from tests.web.support import Browser

HEADER = ["客户名称", "手机", "车牌号", "备注列"]
GOOD = [["王芳", "13900139000", "粤A11111", "x"], ["李强", "13700137000", "", ""]]


def form(data: bytes, name: str = "customers.csv", **fields: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=name, content_type="application/octet-stream")
    for key, value in fields.items():
        body.add_field(key, value)
    return body


@pytest.fixture
async def tokens(site: Site) -> dict[str, str]:
    users = {"olga": Role.OPERATOR, "sam": Role.SUPERVISOR}
    return {name: (await site.token(await site.user(name, role)))[0] for name, role in users.items()}


async def post(anon: Browser, secret: str, path: str, body: FormData) -> tuple[int, Any]:
    response = await anon.client.post(path, data=body, headers={"Authorization": f"Bearer {secret}"})
    return response.status, await response.json()


async def test_check_reports_errors_in_the_request_language(anon: Browser, tokens: dict[str, str]) -> None:
    data = csv_bytes([HEADER, *GOOD, ["", "12345", "", ""]])
    headers = {"Authorization": f"Bearer {tokens['sam']}", "Accept-Language": "zh-CN"}
    response = await anon.client.post("/api/v1/imports/check", data=form(data), headers=headers)
    report = await response.json()
    assert response.status == 200, report
    assert (report["format"], report["rows"], report["ok_rows"]) == ("csv", 3, 2)
    assert [(e["row"], e["column"], e["field"]) for e in report["errors"]] == [
        (4, "手机", "phone"),
        (4, "客户名称", "name"),
    ]
    assert report["errors"][1]["reason"] == "客户名称为空：每个客户都需要名称。"
    assert report["mapping"] == {"客户名称": "name", "手机": "phone", "车牌号": "plate", "备注列": None}
    assert report["ignored"] == ["备注列"]


async def test_import_is_all_or_nothing_then_lands(anon: Browser, tokens: dict[str, str]) -> None:
    sam = tokens["sam"]
    bad = csv_bytes([HEADER, *GOOD, ["陈静", "nope", "", ""]])
    status, report = await post(anon, sam, "/api/v1/imports", form(bad, merge="create"))
    assert status == 422 and [e["row"] for e in report["errors"]] == [4] and report["ok_rows"] == 2
    listed = await anon.client.get("/api/v1/customers", headers={"Authorization": f"Bearer {sam}"})
    assert (await listed.json())["total"] == 0
    mapping = json.dumps({"备注列": "notes"})
    status, result = await post(
        anon, sam, "/api/v1/imports", form(csv_bytes([HEADER, *GOOD]), mapping=mapping)
    )
    assert status == 200, result
    assert (result["created"], result["updated"], result["skipped"], result["vehicles_created"]) == (
        2,
        0,
        0,
        1,
    )
    status, again = await post(anon, sam, "/api/v1/imports", form(csv_bytes([HEADER, *GOOD]), merge="skip"))
    assert (status, again["created"], again["skipped"]) == (200, 0, 2)
    response = await anon.client.get(
        "/api/v1/customers/export?format=csv&lang=en", headers={"Authorization": f"Bearer {sam}"}
    )
    assert response.status == 200
    disposition = response.headers["Content-Disposition"]
    shop = ZoneInfo("Asia/Shanghai")  # the site's zone: the name's date and time are the shop's
    around = {f"{datetime.now(shop) + timedelta(minutes=m):%Y%m%d-%H%M}" for m in (-1, 0)}
    assert any(disposition == f'attachment; filename="customers-{stamp}.csv"' for stamp in around)
    text = (await response.read()).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Name,Kind,Gender,Phone") and "王芳" in text and "x" in text


async def test_operators_are_refused(anon: Browser, tokens: dict[str, str]) -> None:
    status, _body = await post(
        anon, tokens["olga"], "/api/v1/imports/check", form(csv_bytes([HEADER, *GOOD]))
    )
    assert status == 403
    response = await anon.client.get(
        "/api/v1/customers/export", headers={"Authorization": f"Bearer {tokens['olga']}"}
    )
    assert response.status == 403


async def test_bad_fields_are_422(anon: Browser, tokens: dict[str, str]) -> None:
    data = csv_bytes([HEADER, *GOOD])
    for fields in ({"merge": "maybe"}, {"mapping": "[1]"}, {"branch_id": "x"}):
        status, body = await post(anon, tokens["sam"], "/api/v1/imports/check", form(data, **fields))
        assert status == 422, (fields, body)
    body = FormData()
    body.add_field("merge", "skip")
    status, answer = await post(anon, tokens["sam"], "/api/v1/imports/check", body)
    assert status == 422 and answer["error"]["field"] == "file"


async def test_a_browser_sends_its_csrf_token_in_the_header(site: Site, anon: Browser) -> None:
    await site.user("sam", Role.SUPERVISOR)
    await anon.login("sam")
    data = form(csv_bytes([HEADER, *GOOD]))
    refused = await anon.client.post("/api/v1/imports/check", data=data)
    assert refused.status == 403
    await anon.get("/account")
    response = await anon.client.post(
        "/api/v1/imports/check", data=form(csv_bytes([HEADER, *GOOD])), headers={"X-CSRF-Token": anon.token}
    )
    assert response.status == 200, await response.text()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.one_of(st.binary(max_size=2000), st.just(b"PK\x03\x04" + b"\x00" * 40)),
    name=st.sampled_from(["a.csv", "a.xlsx", "a.xls", "a", "a.txt"]),
)
async def test_arbitrary_uploads_are_never_a_500(
    anon: Browser, tokens: dict[str, str], data: bytes, name: str
) -> None:
    status, body = await post(anon, tokens["sam"], "/api/v1/imports/check", form(data, name))
    assert status in (200, 400, 422), body
    status, body = await post(anon, tokens["sam"], "/api/v1/imports", form(data, name))
    assert status in (200, 400, 422), body
