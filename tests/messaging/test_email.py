"""E-mail through a real local SMTP server (aiosmtpd): a Chinese message arrives whole, with the account's
login (the server requires it), over STARTTLS to a server whose certificate a private CA signed; a refused
address is final, a server that is not there may pass (retryable)."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from ctid.messaging.email import Email, EmailSender, SmtpSettings
from tests.support.smtp import Inbox
from tests.support.smtp import free_port as _free_port

TO = "zhang.wei@example.com"
FROM = "service@shop.example"


@pytest.fixture
def certificates(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate it signed for 127.0.0.1 (the openssl command line; no Python
    package for it in the venv)."""
    ca_key, ca, key, request, cert = (
        tmp_path / n for n in ("ca.key", "ca.pem", "srv.key", "srv.csr", "srv.pem")
    )
    run = lambda *args: subprocess.run(["openssl", *args], check=True, capture_output=True)  # noqa: E731
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca),
        "-days", "2", "-subj", "/CN=ctid test CA")  # fmt: skip
    run(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        str(key),
        "-out",
        str(request),
        "-subj",
        "/CN=127.0.0.1",
    )
    extensions = tmp_path / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", str(request), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial",
        "-out", str(cert), "-days", "2", "-extfile", str(extensions))  # fmt: skip
    return ca, cert, key


def _authenticator(
    server: Any, session: Session, envelope: Envelope, mechanism: str, auth: Any
) -> AuthResult:
    ok = isinstance(auth, LoginPassword) and (auth.login, auth.password) == (b"shop", "秘密口令".encode())
    return AuthResult(success=ok)


@pytest.fixture
def smtp(certificates: tuple[Path, Path, Path]) -> Iterator[tuple[Inbox, int]]:
    _ca, cert, key = certificates
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox, port = Inbox(), _free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, tls_context=context, authenticator=_authenticator,
        auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    yield inbox, port
    controller.stop()


def settings(port: int, ca: Path, **changes: Any) -> SmtpSettings:
    base = {"host": "127.0.0.1", "port": port, "security": "starttls", "user": "shop", "password": "秘密口令"}
    return SmtpSettings(**{**base, "from_address": FROM, "ca_file": str(ca), "timeout_s": 10, **changes})


async def test_a_chinese_message_arrives_whole_over_starttls_with_the_login(
    smtp: tuple[Inbox, int], certificates: tuple[Path, Path, Path]
) -> None:
    inbox, port = smtp
    body = "尊敬的张伟：您的爱车粤A12345的保险将于2026年12月31日到期，请及时续保。"
    result = await EmailSender(settings(port, certificates[0])).send(Email(TO, "续保提醒", body))
    assert result.ok, result.error
    [message] = inbox.messages
    assert (message["Subject"], message["From"], message["To"]) == ("续保提醒", FROM, TO)
    assert message.get_content().strip() == body
    assert result.provider_ids == (message["Message-ID"],)


async def test_an_untrusted_certificate_does_not_send(
    smtp: tuple[Inbox, int], certificates: tuple[Path, Path, Path]
) -> None:
    inbox, port = smtp
    untrusted = await EmailSender(settings(port, certificates[0], ca_file="")).send(Email(TO, "s", "t"))
    assert not untrusted.ok and "CERTIFICATE_VERIFY_FAILED" in untrusted.error
    assert inbox.messages == []


async def test_a_refused_address_is_final_a_busy_one_and_a_missing_server_may_pass(
    smtp: tuple[Inbox, int], certificates: tuple[Path, Path, Path]
) -> None:
    _inbox, port = smtp
    sender = EmailSender(settings(port, certificates[0]))
    refused = await sender.send(Email("nobody@example.com", "s", "t"))
    assert (refused.ok, refused.retryable, refused.error) == (False, False, "550 5.1.1 no such user")
    busy = await sender.send(Email("busy@example.com", "s", "t"))
    assert (busy.ok, busy.retryable) == (False, True)
    nobody_there = await EmailSender(settings(_free_port(), certificates[0])).send(Email(TO, "s", "t"))
    assert (nobody_there.ok, nobody_there.retryable) == (False, True)
