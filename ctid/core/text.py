"""Text from the outside world (modems, caller ID, customers' input) made safe to show, log, store and match.

A core module: the voicecard layer (caller-ID names, modem lines) and ``ctid.core.phone`` (numbers typed by
people) share one definition of "clean", so a number or a name never differs only by an invisible character.
"""

from __future__ import annotations

import unicodedata

__all__ = ["clean_text"]


def clean_text(text: str) -> str:
    """Make text from the outside world safe to show, log and store.

    Every whitespace run becomes one space; control, format (bidi overrides, zero-width), private-use,
    surrogate and unassigned characters and U+FFFD (the mark of a failed decode) are removed. Why: caller-ID
    names and modem lines end up in browsers and logs, where such characters spoof or break the display.

    Printable ASCII (nearly every modem line) takes a fast path: it is on the caller-ID latency path, and
    the general case looks up every character's Unicode category.
    """
    if text.isascii() and text.isprintable():
        return " ".join(text.split())  # nothing to remove: no controls, and NFC leaves ASCII alone
    kept = []
    for char in unicodedata.normalize("NFC", text):
        if char.isspace():
            kept.append(" ")
        elif char != "\ufffd" and unicodedata.category(char)[0] != "C":
            kept.append(char)
    return " ".join("".join(kept).split())


SPREADSHEET_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(text: str) -> str:
    """A CSV cell that Excel never runs as a formula (CSV injection): one that would is quoted with '."""
    return "'" + text if text.startswith(SPREADSHEET_FORMULA_START) else text
