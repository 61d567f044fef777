"""SMS through HTTP gateways: what they share, and the provider-neutral template sender.

A gateway sender is an HTTP request per message and an answer read for success, its message id and, on
failure, whether trying again may help: a timeout, a 5xx or a rate limit may pass later; a refused number
or template never will. A request that went out and got no answer may have been sent: the error says so,
and each gateway gets the outbox row's id as its client reference (``{ref}``, Aliyun's OutId, Tencent's
SessionContext) so such a message can be matched in the provider's records.

The template sender is for any other gateway, described in the config: URL, method, headers, a body with
placeholders ``{number}`` ``{text}`` ``{ref}`` (escaped for where they stand), which statuses and which JSON
value mean success, where the message id is.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, quote_plus

import aiohttp

from ctid.core.config import HttpSmsOptions
from ctid.core.logs import mask_numbers
from ctid.messaging.senders import Outgoing, SendResult

log = logging.getLogger(__name__)

_PLACEHOLDER: Final = re.compile(r"\{(number|text|ref)\}")
_ESCAPES: Final[Mapping[str, Callable[[str], str]]] = {
    "json": lambda value: json.dumps(value, ensure_ascii=False)[1:-1],
    "form": quote_plus,
    "raw": lambda value: value,
}


@dataclass(frozen=True)
class Answer:
    """A gateway's answer: the status, the body as text and, when it is JSON, as data."""

    status: int
    text: str
    data: Any = None


class GatewayUnreachable(Exception):
    """No answer: refused, reset, timed out. ``sent`` when the request may have reached the gateway."""

    def __init__(self, message: str, *, sent: bool) -> None:
        super().__init__(message)
        self.sent = sent


class HttpSession:
    """One ``aiohttp`` session per sender, opened by ``start`` and closed by ``stop``."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout_s))

    async def stop(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def request(
        self, method: str, url: str, *, headers: Mapping[str, str], body: bytes | None = None
    ) -> Answer:
        """The request and its answer; raises GatewayUnreachable."""
        if self._session is None:
            await self.start()
        assert self._session is not None
        try:
            async with self._session.request(method, url, headers=dict(headers), data=body) as response:
                text = await response.text(errors="replace")
        except TimeoutError:
            raise GatewayUnreachable(f"no answer within {self.timeout_s:g} s", sent=True) from None
        except aiohttp.ClientConnectorError as error:
            raise GatewayUnreachable(f"cannot connect ({error.os_error})", sent=False) from None
        except aiohttp.ClientError as error:
            raise GatewayUnreachable(f"the connection failed ({type(error).__name__})", sent=True) from None
        try:
            data = json.loads(text) if text.strip() else None
        except ValueError:
            data = None
        return Answer(response.status, text, data)


def unreachable(error: GatewayUnreachable) -> SendResult:
    maybe = " (the message may have been sent)" if error.sent else ""
    return SendResult(False, error=f"the gateway did not answer: {error}{maybe}", retryable=True)


def said(words: str) -> str:
    """A gateway's words for the history: one line, short, no full phone number."""
    return mask_numbers(" ".join(words.split()))[:200]


def json_path(data: Any, path: str) -> Any:
    """``a.b.0.c`` in parsed JSON (a number indexes a list); None where there is no such value."""
    for key in path.split(".") if path else ():
        if isinstance(data, Mapping):
            data = data.get(key)
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _scalar(value: Any) -> str:
    """A JSON value as the config writes it: ``true``, ``0``, ``OK``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def fill(template: str, message: Outgoing, escape: Callable[[str], str]) -> str:
    """The template's placeholders replaced, each escaped; other braces (a JSON body's) are left alone."""
    values = {"number": message.number, "text": message.text, "ref": str(message.ref)}
    return _PLACEHOLDER.sub(lambda match: escape(values[match[1]]), template)


class GatewaySender:
    """What every HTTP sender shares: its name, and one session that ``start`` opens and ``stop`` closes."""

    def __init__(self, name: str, timeout_s: float) -> None:
        self.name = name
        self._http = HttpSession(timeout_s)

    async def start(self) -> None:
        await self._http.start()

    async def stop(self) -> None:
        await self._http.stop()


class TemplateHttpSender(GatewaySender):
    """``driver = "http"``: a gateway described in the config."""

    def __init__(self, name: str, options: HttpSmsOptions) -> None:
        super().__init__(name, options.timeout_s)
        self.options = options

    async def send(self, message: Outgoing) -> SendResult:
        options = self.options
        url = fill(options.url, message, lambda value: quote(value, safe=""))
        headers = {
            name.strip(): value.strip() for name, _, value in (h.partition(":") for h in options.headers)
        }
        body = fill(options.body, message, _ESCAPES[options.body_encoding]).encode() if options.body else None
        if body is not None and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = {
                "json": "application/json; charset=utf-8",
                "form": "application/x-www-form-urlencoded; charset=utf-8",
                "raw": "text/plain; charset=utf-8",
            }[options.body_encoding]
        try:
            answer = await self._http.request(options.method, url, headers=headers, body=body)
        except GatewayUnreachable as error:
            return unreachable(error)
        return self._result(answer)

    def _result(self, answer: Answer) -> SendResult:
        options = self.options
        ok = answer.status in options.success_status
        if ok and options.success_json_path:
            got = _scalar(json_path(answer.data, options.success_json_path))
            ok = got == options.success_value
        if ok:
            found = (
                json_path(answer.data, options.message_id_json_path) if options.message_id_json_path else None
            )
            return SendResult(True, (_scalar(found),) if found not in (None, "") else ())
        retryable = answer.status in options.retry_status
        return SendResult(False, error=said(f"HTTP {answer.status}: {answer.text}"), retryable=retryable)
