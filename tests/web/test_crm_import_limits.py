"""The import's caps through the web, as a logged-in supervisor in Chinese and in English, and a check whose
client goes away: it stops, on a real server over a real socket."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import ClientSession, FormData, web

from ctid.accounts.models import Role
from tests.crm.imports import hostile
from tests.crm.imports.support import csv_bytes
from tests.support.site import Site
from tests.support.waiting import wait_until
from tests.web.support import Browser

MESSAGES = {
    "columns": {
        "en": "Row 2 has a value in column XFD: an import reads at most 200 columns.",
        "zh_CN": "第 2 行在 XFD 列有内容：导入最多读取 200 列。",
    },
    "rows": {
        "en": "The file has more than 200000 rows: an import reads at most 200000; split the file.",
        "zh_CN": "文件超过 200000 行：导入最多读取 200000 行，请将文件拆分。",
    },
    "unpacked": {
        "en": "The Excel file unpacks to 401 MB: an import reads at most 256 MB of a workbook. "
        "Save the sheet as CSV, or split it.",
        "zh_CN": "该 Excel 文件解压后为 401 MB：导入最多读取 256 MB 的工作簿。"
        "请将表格另存为 CSV，或拆分文件。",
    },
    "in_memory": {
        "en": "The Excel file's shared strings, styles and other parts unpack to 71 MB: "
        "an import reads at most 64 MB of them. Save the sheet as CSV, or split it.",
        "zh_CN": "该 Excel 文件的共享字符串、样式等部件解压后为 71 MB：导入最多读取其中 64 MB。"
        "请将表格另存为 CSV，或拆分文件。",
    },
    "nul": {
        "en": "Line 3 holds a NUL byte, which no text has: save the sheet as CSV or Excel (.xlsx).",
        "zh_CN": "第 3 行含有 NUL 字节，文本文件不会有它：请将表格另存为 CSV 或 Excel（.xlsx）。",
    },
    "encoding": {
        "en": "Line 2 is neither UTF-8 nor GBK text: save the sheet as CSV (UTF-8) or Excel (.xlsx).",
        "zh_CN": "第 2 行既不是 UTF-8 也不是 GBK 编码的文本：请将表格另存为 CSV（UTF-8）或 Excel（.xlsx）。",
    },
}
FILES = {
    "columns": (hostile.xfd_value_workbook, "customers.xlsx"),
    "rows": (lambda: "客户名称,电话\r\n".encode() + b"\r\n" * 200_000, "customers.csv"),
    "unpacked": (lambda: hostile.shared_strings_bomb(400), "customers.xlsx"),
    "in_memory": (lambda: hostile.shared_strings_bomb(70), "customers.xlsx"),
    "nul": (lambda: b"name,phone\r\nx,1\r\ny\x00,2\r\n", "customers.csv"),
    "encoding": (lambda: b"name,phone\r\n\x80\xff,1\r\n", "customers.csv"),
}


def form(data: bytes, name: str) -> FormData:
    body = FormData()
    body.add_field("file", data, filename=name, content_type="application/octet-stream")
    return body


@pytest.fixture
async def supervisor(site: Site, anon: Browser) -> Browser:
    await site.user("sam", Role.SUPERVISOR)
    assert (await anon.login("sam")).status == 303
    await anon.get("/account")
    return anon


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
async def test_each_cap_is_named_with_its_limit_in_the_users_language(
    supervisor: Browser, locale: str
) -> None:
    assert (await supervisor.post("/language", {"locale": locale, "next": "/"})).status == 303
    await supervisor.get("/account")
    for cap, (build, name) in FILES.items():
        response = await supervisor.client.post(
            "/api/v1/imports/check", data=form(build(), name), headers={"X-CSRF-Token": supervisor.token}
        )
        answer = await response.json()
        assert response.status == 422, (cap, answer)
        assert answer["error"]["field"] == "file"
        assert answer["error"]["message"] == MESSAGES[cap][locale], cap


def slow_csv(rows: int) -> bytes:
    """Rows whose phones are landlines (parsed by phonenumbers, ~35 µs each): seconds of checking."""
    return csv_bytes(
        [["客户名称", "电话"], *([f"客户{n}", f"020-3{n % 10_000_000:07d}"] for n in range(rows))]
    )


async def raw_post(port: int, path: str, secret: str, data: bytes, *, send: int | None = None) -> Any:
    """Open a socket, send a multipart POST of ``data`` (the first ``send`` bytes of the body when given),
    and return the writer, left open."""
    boundary = "ctidtestboundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="customers.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {secret}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(head + (body if send is None else body[:send]))
    await writer.drain()
    return writer


@pytest.fixture
async def token(site: Site) -> str:
    return (await site.token(await site.user("sam", Role.SUPERVISOR)))[0]


@pytest.fixture(params=[False, True], ids=["as-the-daemon-serves", "handler-cancellation"])
async def port(app: web.Application, request: pytest.FixtureRequest) -> AsyncIterator[int]:
    """The app on a real socket, served as ``ctid.web.server`` serves it (aiohttp does not cancel a handler
    whose client left), and with aiohttp's ``handler_cancellation`` (as its test server does)."""
    runner = web.AppRunner(app, access_log=None, handler_cancellation=request.param)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield runner.addresses[0][1]
    finally:
        await runner.cleanup()


async def healthy(port: int) -> bool:
    async with ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as response:
        return response.status == 200


async def test_a_check_stops_when_its_client_goes_away(
    port: int, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The check runs in a worker thread; the socket is closed while it runs, and the thread stops at the
    next row: one log line says after how many of them (the file has 150,000: seconds of checking)."""
    caplog.set_level(logging.INFO, logger="ctid")
    rows = 150_000
    writer = await raw_post(port, "/api/v1/imports/check", token, slow_csv(rows))
    await wait_until(lambda: _records(caplog, "checking customers.csv"), 30, "the check to start")
    writer.close()
    closed = time.monotonic()
    stopped = await wait_until(lambda: _records(caplog, "cancelled after"), 30, "the check to stop")
    assert time.monotonic() - closed < 5.0
    assert stopped[0].args[-1] < rows, stopped[0].getMessage()
    assert await healthy(port)


@pytest.mark.parametrize("port", [False], ids=["as-the-daemon-serves"], indirect=True)
async def test_a_client_that_goes_away_mid_upload_is_no_error(
    port: int, token: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Half of the body, then the socket closes: one line in the log, no traceback (was 'unhandled error'
    with aiohttp's ConnectionResetError)."""
    caplog.set_level(logging.INFO, logger="ctid")
    data = slow_csv(20_000)
    writer = await raw_post(port, "/api/v1/imports/check", token, data, send=len(data) // 2)
    writer.close()
    await wait_until(lambda: _records(caplog, "the upload stopped part-way"), 30, "the upload to stop")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert await healthy(port)


def _records(caplog: pytest.LogCaptureFixture, text: str) -> list[logging.LogRecord]:
    return [record for record in caplog.records if text in record.getMessage()]
