"""A customer's e-mail address as people type it (the forms, the API, an imported sheet): cleaned and
checked, so the reminders' e-mail goes to an address an SMTP server takes.

Checked by the shape a mail server needs, not by RFC 5322's every corner (quoted local parts, comments, IP
literals are refused: nobody types them for a customer): ``local@domain``, the local part letters, digits
and ``!#$%&'*+/=?^_`{|}~-`` in dot-separated runs, the domain two or more labels of letters, digits and
inner hyphens with a top-level label not all digits; 254 characters at most. Full-width characters from
a Chinese keyboard (``ｗａｎｇ＠１６３．ｃｏｍ``, the ideographic full stop 。) become their plain forms; the
domain is kept in lower case (the local part as typed: only its server may fold it). Pure: no I/O."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 254  # the longest path an SMTP server takes (RFC 5321's 256 less the angle brackets)
MAX_LOCAL = 64
MAX_LABEL = 63

_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?")
_DOTS = str.maketrans({"。": ".", "｡": "."})


class NotAnAddress(ValueError):
    """The text is not an e-mail address; the message says what is wrong, for people."""


def parse_email(raw: str) -> str | None:
    """The address cleaned (full-width forms made plain, spaces around it gone, the domain in lower case);
    None for a blank; NotAnAddress for anything else."""
    text = unicodedata.normalize("NFKC", raw).translate(_DOTS).strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise NotAnAddress(f"longer than {MAX_LENGTH} characters")
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise NotAnAddress("no name@domain")
    if len(local) > MAX_LOCAL or _LOCAL.fullmatch(local) is None:
        raise NotAnAddress("the part before @ is not a mailbox name")
    domain = domain.lower().removesuffix(".")
    labels = domain.split(".")
    if len(labels) < 2 or any(len(label) > MAX_LABEL or not _LABEL.fullmatch(label) for label in labels):
        raise NotAnAddress("the part after @ is not a domain like example.com")
    if labels[-1].isdigit():
        raise NotAnAddress("the part after @ is not a domain like example.com")
    return f"{local}@{domain}"
