"""A local SMS gateway for the tests: the template gateway, Aliyun's SendSms and Tencent's SendSms on one
aiohttp app, each recording what it got and answering what the test scripted.

The Aliyun and Tencent handlers check the request's signature by their own reckoning, written here from the
providers' documented algorithms (ACS3-HMAC-SHA256, TC3-HMAC-SHA256) and not with ctid's code: a request
whose signature does not match is answered as the provider answers it (SignatureDoesNotMatch,
AuthFailure.SignatureFailure, HTTP 4xx).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

ALIYUN_ID, ALIYUN_SECRET = "LTAI-test-id", "aliyun-test-secret"
TENCENT_ID, TENCENT_KEY = "AKID-test-id", "tencent-test-key"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    received: list[Received] = field(default_factory=list)
    answers: list[tuple[int, Any]] = field(default_factory=list)  # the next answers (status, JSON or text)
    signature_errors: int = 0

    def next_answer(self, default: Any) -> web.Response:
        status, body = self.answers.pop(0) if self.answers else (200, default)
        if isinstance(body, str):
            return web.Response(status=status, text=body)
        return web.json_response(body, status=status)


# --- Aliyun V3 ----------------------------------------------------------------------------------------------

_UNRESERVED = re.compile(rb"[A-Za-z0-9\-_.~]")


def rfc3986(text: str) -> str:
    """Byte by byte: unreserved characters as they are, every other byte as %XX (upper case)."""
    return "".join(chr(b) if _UNRESERVED.fullmatch(bytes([b])) else f"%{b:02X}" for b in text.encode())


def aliyun_expected(request: Received, signed_headers: list[str], secret: str = ALIYUN_SECRET) -> str:
    query = "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(request.query.items()))
    headers = "".join(f"{name}:{request.headers[name].strip()}\n" for name in signed_headers)
    canonical = (
        f"{request.method}\n{request.path}\n{query}\n{headers}\n{';'.join(signed_headers)}\n"
        f"{hashlib.sha256(request.body).hexdigest()}"
    )
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def aliyun_check(request: Received) -> str | None:
    """What is wrong with the request's signature, or None."""
    match = re.fullmatch(
        r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})",
        request.headers.get("authorization", ""),
    )
    if match is None:
        return "no ACS3 Authorization"
    if match[1] != ALIYUN_ID:
        return "unknown access key"
    names = match[2].split(";")
    required = {"host", "x-acs-action", "x-acs-version", "x-acs-date", "x-acs-signature-nonce"}
    if not required <= set(names) or names != sorted(names):
        return f"signed headers {names}"
    if request.headers.get("x-acs-content-sha256") != hashlib.sha256(request.body).hexdigest():
        return "body hash"
    if aliyun_expected(request, names) != match[3]:
        return "signature"
    return None


# --- Tencent TC3 --------------------------------------------------------------------------------------------


def tc3_signature(
    secret_key: str, method: str, host: str, content_type: str, body: bytes, timestamp: int, service: str
) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).date().isoformat()
    canonical = (
        f"{method}\n/\n\ncontent-type:{content_type}\nhost:{host}\n\ncontent-type;host\n"
        + hashlib.sha256(body).hexdigest()
    )
    to_sign = (
        f"TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n"
        + hashlib.sha256(canonical.encode()).hexdigest()
    )
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def tencent_check(request: Received) -> str | None:
    match = re.fullmatch(
        r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request, "
        r"SignedHeaders=content-type;host, Signature=([0-9a-f]{64})",
        request.headers.get("authorization", ""),
    )
    if match is None:
        return "no TC3 Authorization"
    if match[1] != TENCENT_ID:
        return "unknown secret id"
    timestamp = int(request.headers.get("x-tc-timestamp", "0"))
    if datetime.fromtimestamp(timestamp, UTC).date().isoformat() != match[2]:
        return "credential date is not the timestamp's UTC date"
    expected = tc3_signature(
        TENCENT_KEY,
        request.method,
        request.headers["host"],
        request.headers["content-type"],
        request.body,
        timestamp,
        match[3],
    )
    return None if expected == match[4] else "signature"


# --- the app ------------------------------------------------------------------------------------------------


@dataclass
class Gateways:
    template: Gateway = field(default_factory=Gateway)
    aliyun: Gateway = field(default_factory=Gateway)
    tencent: Gateway = field(default_factory=Gateway)


async def _received(request: web.Request) -> Received:
    return Received(
        request.method,
        request.path,
        dict(request.query),
        {name.lower(): value for name, value in request.headers.items()},
        await request.read(),
    )


def make_app(gateways: Gateways) -> web.Application:
    async def template(request: web.Request) -> web.Response:
        got = await _received(request)
        gateways.template.received.append(got)
        return gateways.template.next_answer(
            {"result": {"code": "0"}, "data": [{"id": f"gw-{len(gateways.template.received)}"}]}
        )

    async def aliyun(request: web.Request) -> web.Response:
        got = await _received(request)
        gateways.aliyun.received.append(got)
        if (problem := aliyun_check(got)) is not None:
            gateways.aliyun.signature_errors += 1
            body = {
                "Code": "SignatureDoesNotMatch",
                "Message": f"Specified signature is not matched ({problem})",
            }
            return web.json_response(body, status=400)
        ok = {
            "Code": "OK",
            "Message": "OK",
            "BizId": f"biz-{len(gateways.aliyun.received)}",
            "RequestId": "r",
        }
        return gateways.aliyun.next_answer(ok)

    async def tencent(request: web.Request) -> web.Response:
        got = await _received(request)
        gateways.tencent.received.append(got)
        if (problem := tencent_check(got)) is not None:
            gateways.tencent.signature_errors += 1
            error = {"Code": "AuthFailure.SignatureFailure", "Message": f"The signature is wrong ({problem})"}
            return web.json_response({"Response": {"Error": error, "RequestId": "r"}})
        body = json.loads(got.body)
        ok = {
            "Response": {
                "SendStatusSet": [
                    {
                        "SerialNo": f"serial-{len(gateways.tencent.received)}",
                        "PhoneNumber": body["PhoneNumberSet"][0],
                        "Fee": 1,
                        "SessionContext": body.get("SessionContext", ""),
                        "Code": "Ok",
                        "Message": "send success",
                        "IsoCode": "CN",
                    }
                ],
                "RequestId": "r",
            }
        }
        return gateways.tencent.next_answer(ok)

    app = web.Application()
    app.router.add_route("*", "/template/{tail:.*}", template)
    app.router.add_post("/aliyun/", aliyun)
    app.router.add_post("/tencent/", tencent)
    return app
