"""E-mail to customers through the shop's SMTP server (aiosmtplib): the reminders' e-mail channel.

One message a call, as an SMS sender sends one: the answer says whether it went, and whether trying again
may help (a server down or busy, a 4xx answer) or not (a 5xx: an address the server refused). Nothing is
retried here; the caller decides, as the SMS outbox does."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal

import aiosmtplib

from ctid.messaging.senders import SendResult

Security = Literal["none", "starttls", "tls"]


@dataclass(frozen=True)
class SmtpSettings:
    """``[email]``: the server, how the connection is protected, the account, the From address. ``ca_file``:
    the certificate of a private CA that signed the server's (a LAN server's own); empty: the system's."""

    host: str
    port: int = 587
    security: Security = "starttls"
    user: str = ""
    password: str = ""
    from_address: str = ""
    ca_file: str = ""
    timeout_s: float = 30.0


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str


def message_of(email: Email, from_address: str) -> EmailMessage:
    """The MIME message (UTF-8 text; Chinese subjects encoded as RFC 2047 words by the library)."""
    message = EmailMessage()
    message["From"] = from_address
    message["To"] = email.to
    message["Subject"] = email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=from_address.rpartition("@")[2] or None)
    message.set_content(email.text)
    return message


class EmailSender:
    name = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, email: Email) -> SendResult:
        settings = self._settings
        message = message_of(email, settings.from_address)
        try:
            context = ssl.create_default_context(cafile=settings.ca_file or None)
            await aiosmtplib.send(
                message,
                hostname=settings.host,
                port=settings.port,
                username=settings.user or None,
                password=settings.password or None,
                use_tls=settings.security == "tls",
                start_tls=settings.security == "starttls",
                tls_context=context if settings.security != "none" else None,
                timeout=settings.timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:  # every address refused, each with its answer
            first = exc.recipients[0]
            return SendResult(False, error=f"{first.code} {first.message}", retryable=400 <= first.code < 500)
        except aiosmtplib.SMTPResponseException as exc:  # the server answered no
            return SendResult(False, error=f"{exc.code} {exc.message}", retryable=400 <= exc.code < 500)
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:  # no answer: down, busy, TLS
            return SendResult(False, error=f"{type(exc).__name__}: {exc}", retryable=True)
        return SendResult(True, (str(message["Message-ID"]),))
