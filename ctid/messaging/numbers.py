"""Which numbers can take an SMS: mobiles (``phonenumbers``' number type), not landlines nor anything it
does not call valid. Pure; the bulk SMS lists the others and skips them, a single SMS refuses them."""

from __future__ import annotations

from enum import StrEnum

import phonenumbers

MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


class Unreachable(StrEnum):
    """Why a number gets no SMS (stored in nothing; the pages' words)."""

    INVALID = "invalid"  # not a number phonenumbers calls valid
    LANDLINE = "landline"  # a fixed line, a service number (400, 95xxx)...


def why_not_sms(e164: str | None) -> Unreachable | None:
    """None when ``e164`` is a mobile; else why it cannot take an SMS."""
    if not e164:
        return Unreachable.INVALID
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return Unreachable.INVALID
    if not phonenumbers.is_valid_number(parsed):
        return Unreachable.INVALID
    return None if phonenumbers.number_type(parsed) in MOBILE_TYPES else Unreachable.LANDLINE
