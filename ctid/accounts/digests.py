"""Secrets as stored: session cookies and API tokens are kept only as SHA-256 digests, so a stolen copy of
the database logs no one in."""

from __future__ import annotations

import hashlib


def digest(secret: str) -> str:
    """A secret as sent may hold bytes that are not UTF-8 (aiohttp hands a header's over as surrogates):
    it then matches nothing, as a wrong secret should, instead of failing to encode (a 500 on every page)."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
