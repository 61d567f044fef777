"""Aliyun SMS (阿里云短信服务, dysmsapi 2017-05-25 SendSms), signed with ACS3-HMAC-SHA256.

Why V3: Aliyun's documentation now marks the V2 RPC signature (HMAC-SHA1 over the query) "no longer
recommended" and asks for the V3 request signature, which every OpenAPI product takes: a canonical request
(method, path, the sorted and percent-encoded query, the signed headers, the body's SHA-256), its SHA-256
under "ACS3-HMAC-SHA256", an HMAC-SHA256 with the AccessKey secret, and the ``Authorization`` header naming
the key id, the signed headers and the signature. SendSms is an RPC-style API: its parameters go in the
query of a POST with an empty body.

Only registered templates are sent: the message's template code (or the sender's default) and its
parameters as the TemplateParam JSON; the outbox row's id is the OutId.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Final
from urllib.parse import quote, urlsplit

from ctid.core.clock import utcnow
from ctid.core.config import AliyunSmsOptions
from ctid.messaging.http_gateway import Answer, GatewaySender, GatewayUnreachable, said, unreachable
from ctid.messaging.senders import Outgoing, SendResult

ALGORITHM: Final = "ACS3-HMAC-SHA256"
ACTION: Final = "SendSms"
VERSION: Final = "2017-05-25"
EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()

RETRYABLE: Final = frozenset(
    {
        "isv.BUSINESS_LIMIT_CONTROL",  # too many to one number in a minute/hour: later
        "isv.DAY_LIMIT_CONTROL",
        "isv.MONTH_LIMIT_CONTROL",
        "isv.AMOUNT_NOT_ENOUGH",  # the account's balance: passes once topped up
        "isv.OUT_OF_SERVICE",
        "SignatureNonceUsed",
        "ServiceUnavailable",
        "InternalError",
    }
)
RETRYABLE_PREFIXES: Final = ("isp.", "Throttling")  # the platform's own trouble, rate limits


def percent(value: str) -> str:
    """RFC 3986 encoding as the V3 signature wants it: unreserved characters kept, space as %20."""
    return quote(value, safe="-_.~")


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{percent(key)}={percent(query[key])}" for key in sorted(query))


def authorization(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    body_sha256: str,
    key_id: str,
    secret: str,
) -> str:
    """The ``Authorization`` header for a request whose signed headers (``host``, ``content-type`` if any,
    every ``x-acs-*``) are in ``headers``."""
    signed = {
        name.lower(): value.strip()
        for name, value in headers.items()
        if name.lower() in ("host", "content-type") or name.lower().startswith("x-acs-")
    }
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            path or "/",
            canonical_query(query),
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            body_sha256,
        ]
    )
    to_sign = f"{ALGORITHM}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    signature = hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return f"{ALGORITHM} Credential={key_id},SignedHeaders={';'.join(names)},Signature={signature}"


def phone_numbers(number: str) -> str:
    """Aliyun's form: a mainland number without +86, any other with its country code and no +."""
    return number[3:] if number.startswith("+86") else number.removeprefix("+")


class AliyunSmsSender(GatewaySender):
    """``driver = "aliyun"``."""

    def __init__(
        self,
        name: str,
        options: AliyunSmsOptions,
        *,
        clock: Callable[[], datetime] = utcnow,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        super().__init__(name, options.timeout_s)
        self.options = options
        self._clock = clock
        self._nonce = nonce

    async def send(self, message: Outgoing) -> SendResult:
        template = message.template_code or self.options.template_code
        if not template:
            return SendResult(False, error="Aliyun sends only registered templates: no template code")
        query = {
            "PhoneNumbers": phone_numbers(message.number),
            "SignName": self.options.sign_name,
            "TemplateCode": template,
            "OutId": str(message.ref),
        }
        if message.params:
            query["TemplateParam"] = json.dumps(
                dict(message.params), ensure_ascii=False, separators=(",", ":")
            )
        url = urlsplit(self.options.endpoint)
        headers = {
            "host": url.netloc,
            "x-acs-action": ACTION,
            "x-acs-version": VERSION,
            "x-acs-date": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "x-acs-signature-nonce": self._nonce(),
            "x-acs-content-sha256": EMPTY_SHA256,
        }
        path = url.path or "/"
        headers["Authorization"] = authorization(
            "POST",
            path,
            query,
            headers,
            EMPTY_SHA256,
            self.options.access_key_id,
            self.options.access_key_secret,
        )
        target = f"{url.scheme}://{url.netloc}{path}?{canonical_query(query)}"
        try:
            answer = await self._http.request("POST", target, headers=headers)
        except GatewayUnreachable as error:
            return unreachable(error)
        return result(answer)


def result(answer: Answer) -> SendResult:
    """``{"Code": "OK", "BizId": ...}``, or a code that says what went wrong (in the body, whatever the
    HTTP status)."""
    data = answer.data if isinstance(answer.data, dict) else {}
    code = str(data.get("Code", ""))
    if answer.status == 200 and code == "OK":
        biz_id = str(data.get("BizId", ""))
        return SendResult(True, (biz_id,) if biz_id else ())
    if not code:
        retryable = answer.status >= 500 or answer.status == 429
        return SendResult(
            False, error=said(f"Aliyun HTTP {answer.status}: {answer.text}"), retryable=retryable
        )
    retryable = code in RETRYABLE or code.startswith(RETRYABLE_PREFIXES) or answer.status >= 500
    return SendResult(False, error=said(f"Aliyun {code}: {data.get('Message', '')}"), retryable=retryable)
