"""Tencent Cloud SMS (腾讯云短信, SendSms 2021-01-11), signed with TC3-HMAC-SHA256.

The signature (Tencent Cloud API 3.0): a canonical request (method, ``/``, the empty query of a POST, the
signed headers ``content-type`` and ``host``, the JSON body's SHA-256), a string to sign (algorithm,
timestamp, the credential scope ``<UTC date>/sms/tc3_request``, the canonical request's SHA-256), a key
derived by HMAC-SHA256 from "TC3" + the secret key through the date, the service and "tc3_request", and
the ``Authorization`` header. The date is the timestamp's UTC date: a local one fails after midnight.

Only registered templates are sent: the message's template id (or the sender's default) and its parameters
as TemplateParamSet, in order ({1}, {2}, ... in the template); the outbox row's id is the SessionContext.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

from ctid.core.clock import utcnow
from ctid.core.config import TencentSmsOptions
from ctid.messaging.http_gateway import Answer, GatewaySender, GatewayUnreachable, said, unreachable
from ctid.messaging.senders import Outgoing, SendResult

ALGORITHM: Final = "TC3-HMAC-SHA256"
SERVICE: Final = "sms"
ACTION: Final = "SendSms"
VERSION: Final = "2021-01-11"
CONTENT_TYPE: Final = "application/json; charset=utf-8"

RETRYABLE_PREFIXES: Final = (
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded",  # per number per 30 s / hour / day, the app's daily limit: later
    "ResourceInsufficient",
    "FailedOperation.InsufficientBalanceInSmsPackage",
    "ResourceUnavailable",
)


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(
    payload: bytes,
    host: str,
    timestamp: int,
    secret_id: str,
    secret_key: str,
    *,
    service: str = SERVICE,
    content_type: str = CONTENT_TYPE,
    method: str = "POST",
    query: str = "",
) -> str:
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            method,
            "/",
            query,
            f"content-type:{content_type}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"{ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"{ALGORITHM} Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
    )


def template_params(params: Mapping[str, str]) -> list[str]:
    """The parameters in the template's order: by number when the keys are 1, 2, 3...; else as given."""
    keys = list(params)
    if all(key.isdigit() for key in keys):
        keys.sort(key=int)
    return [str(params[key]) for key in keys]


class TencentSmsSender(GatewaySender):
    """``driver = "tencent"``."""

    def __init__(
        self, name: str, options: TencentSmsOptions, *, clock: Callable[[], datetime] = utcnow
    ) -> None:
        super().__init__(name, options.timeout_s)
        self.options = options
        self._clock = clock

    async def send(self, message: Outgoing) -> SendResult:
        options = self.options
        template = message.template_code or options.template_id
        if not template:
            return SendResult(False, error="Tencent Cloud sends only registered templates: no template id")
        body = {
            "PhoneNumberSet": [message.number],
            "SmsSdkAppId": options.sdk_app_id,
            "SignName": options.sign_name,
            "TemplateId": template,
            "TemplateParamSet": template_params(message.params),
            "SessionContext": str(message.ref),
        }
        payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        url = urlsplit(options.endpoint)
        timestamp = int(self._clock().timestamp())
        headers = {
            "Authorization": authorization(
                payload, url.netloc, timestamp, options.secret_id, options.secret_key
            ),
            "Content-Type": CONTENT_TYPE,
            "Host": url.netloc,
            "X-TC-Action": ACTION,
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": options.region,
        }
        try:
            answer = await self._http.request("POST", options.endpoint, headers=headers, body=payload)
        except GatewayUnreachable as error:
            return unreachable(error)
        return result(answer)


def result(answer: Answer) -> SendResult:
    """``Response.Error`` for a refused request; else the one number's ``SendStatusSet`` entry, whose
    ``Code`` is ``Ok`` or why it was not sent."""
    data = answer.data if isinstance(answer.data, dict) else {}
    response = data.get("Response") if isinstance(data.get("Response"), dict) else None
    if response is None:
        retryable = answer.status >= 500 or answer.status == 429
        return SendResult(
            False, error=said(f"Tencent HTTP {answer.status}: {answer.text}"), retryable=retryable
        )
    error = response.get("Error")
    statuses = response.get("SendStatusSet")
    if isinstance(error, dict):
        code, words = str(error.get("Code", "")), str(error.get("Message", ""))
    elif isinstance(statuses, list) and statuses and isinstance(statuses[0], dict):
        status = statuses[0]
        code, words = str(status.get("Code", "")), str(status.get("Message", ""))
        if code == "Ok":
            serial = str(status.get("SerialNo", ""))
            return SendResult(True, (serial,) if serial else ())
    else:
        return SendResult(
            False, error=said(f"Tencent: an answer without a status: {answer.text}"), retryable=True
        )
    retryable = code.startswith(RETRYABLE_PREFIXES)
    return SendResult(False, error=said(f"Tencent {code}: {words}"), retryable=retryable)
